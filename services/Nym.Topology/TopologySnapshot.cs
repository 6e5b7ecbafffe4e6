using Nym.Protocol.Encoding;
using Nym.Protocol.Topology;
using Nym.Topology.V1;
using Coin = Nym.Protocol.Topology.Coin;

namespace Nym.Topology;

/// <summary>
/// The topology as served at one revision: immutable, so readers take it without a lock, with its gRPC message and
/// its three JSON documents built once. <see cref="Superseded"/> completes when a newer one is published.
/// </summary>
internal sealed class TopologySnapshot
{
    /// <summary>The validator API's bonds need an owner account; ours has none, and keys must not leak into it.</summary>
    public const string Owner = "n1nymaspire";

    // Fixed amounts: there is no stake here, and a Nym client reads the fields without using them.
    private static readonly Coin Pledge = Coin.Unym(100_000_000), NoDelegation = Coin.Unym(0);
    private const ushort HttpApiPort = 8000;
    private const byte ProfitMarginPercent = 10;

    private readonly TaskCompletionSource _superseded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lazy<byte[]> _activeMixNodesJson, _allMixNodesJson, _gatewaysJson;

    public TopologySnapshot(ulong revision, IReadOnlyList<NodeDescriptor> activeNodes, IReadOnlyList<NodeDescriptor> allMixNodes)
    {
        Revision = revision;
        ActiveMixNodes = activeNodes.Where(n => n.Kind == NodeKind.MixNode).ToArray();
        ActiveGateways = activeNodes.Where(n => n.Kind == NodeKind.Gateway).ToArray();
        AllMixNodes = allMixNodes;
        Message = new V1.Topology { Revision = revision, MixNodes = { ActiveMixNodes }, Gateways = { ActiveGateways } };
        // Built on first request: most snapshots (a refresh that changes nothing) are compared and dropped unread.
        _activeMixNodesJson = new(() => TopologyJson.Serialize(ActiveMixNodes.Select(MixNodeBond).ToArray()));
        _allMixNodesJson = new(() => TopologyJson.Serialize(AllMixNodes.Select(MixNodeBond).ToArray()));
        _gatewaysJson = new(() => TopologyJson.Serialize(ActiveGateways.Select(GatewayBond).ToArray()));
    }

    public ulong Revision { get; }

    public IReadOnlyList<NodeDescriptor> ActiveMixNodes { get; }

    public IReadOnlyList<NodeDescriptor> ActiveGateways { get; }

    public IReadOnlyList<NodeDescriptor> AllMixNodes { get; }

    public V1.Topology Message { get; }

    public byte[] ActiveMixNodesJson => _activeMixNodesJson.Value;

    public byte[] AllMixNodesJson => _allMixNodesJson.Value;

    public byte[] GatewaysJson => _gatewaysJson.Value;

    public Task Superseded => _superseded.Task;

    public void Supersede() => _superseded.TrySetResult();

    /// <summary>Whether a reader would see the same nodes here as in <paramref name="other"/>, whatever the revisions.</summary>
    public bool SameNodes(TopologySnapshot other) =>
        ActiveMixNodes.SequenceEqual(other.ActiveMixNodes)
        && ActiveGateways.SequenceEqual(other.ActiveGateways)
        && AllMixNodes.SequenceEqual(other.AllMixNodes);

    private static MixNodeBond MixNodeBond(NodeDescriptor d) => new(
        Pledge, NoDelegation, Owner, (int)d.Layer, BlockHeight: 0,
        new MixNodeDescriptor(
            d.Host, (ushort)d.MixPort, VerlocPort(d.MixPort), HttpApiPort,
            Base58.Encode(d.SphinxKey.Span), Base58.Encode(d.IdentityKey.Span), d.Version, ProfitMarginPercent),
        Proxy: null, AccumulatedRewards: null);

    private static GatewayBond GatewayBond(NodeDescriptor d) => new(
        Pledge, Owner, BlockHeight: 0,
        new GatewayDescriptor(
            d.Host, (ushort)d.MixPort, (ushort)d.ClientsPort, d.Location,
            Base58.Encode(d.SphinxKey.Span), Base58.Encode(d.IdentityKey.Span), d.Version),
        Proxy: null);

    /// <summary>No node here runs verloc; the field follows Nym's default layout (mix port + 1) and stays a valid port.</summary>
    private static ushort VerlocPort(uint mixPort) => (ushort)(mixPort < ushort.MaxValue ? mixPort + 1 : mixPort - 1);
}
