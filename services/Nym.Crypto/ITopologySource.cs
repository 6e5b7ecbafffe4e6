using Nym.Protocol.Topology;

namespace Nym.Crypto;

/// <summary>
/// Where the crypto service reads the network from. The exe watches nym-api over gRPC (<see cref="TopologyWatcher"/>);
/// nym-client's standalone mode hosts the service with its own source (the validator-API JSON over HTTP).
/// </summary>
public interface ITopologySource
{
    /// <summary>The last good topology, or null while none has been seen.</summary>
    NymTopology? Current { get; }
}
