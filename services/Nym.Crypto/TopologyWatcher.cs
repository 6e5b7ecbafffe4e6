using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Backoff = Nym.Node.Backoff;
using Nym.Protocol.Encoding;
using Nym.Protocol.Topology;
using Nym.Topology.V1;

namespace Nym.Crypto;

/// <summary>
/// The exe's topology: watches nym-api (topology.proto WatchTopology) and keeps the last topology that Nym's rules
/// accept (nym-mixnet.md §7), reconnecting with capped backoff when the stream fails or ends.
/// </summary>
internal sealed partial class TopologyWatcher(
    TopologyService.TopologyServiceClient client, CryptoOptions options, ILogger<TopologyWatcher> logger) : BackgroundService, ITopologySource
{
    /// <summary>The release clients route with: nodes of another major.minor are left out, as Nym 1.0.1 does.</summary>
    public const string ClientVersion = "1.0.1";

    private volatile NymTopology? _current;

    public NymTopology? Current => _current;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int failures = 0;
        bool reported = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = client.WatchTopology(new WatchTopologyRequest(), cancellationToken: stoppingToken);
                await foreach (var topology in call.ResponseStream.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    failures = 0;
                    reported = false;
                    Accept(topology);
                }
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                // One line per outage, not one per attempt.
                if (!reported)
                {
                    LogUnreachable(options.TopologyUrl!, e.StatusCode, options.TopologyRetryMaximumDelay);
                    reported = true;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            var wait = Backoff.After(++failures, options.TopologyRetryInitialDelay, options.TopologyRetryMaximumDelay);
            try
            {
                await Task.Delay(wait, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Accept(Nym.Topology.V1.Topology topology)
    {
        if (NymTopology.TryBuild(
                topology.MixNodes.Where(d => d.Kind == NodeKind.MixNode).Select(MixNodeBond),
                topology.Gateways.Where(d => d.Kind == NodeKind.Gateway).Select(GatewayBond),
                ClientVersion, Resolve, out var built, out var error))
        {
            _current = built;
            LogAccepted(topology.Revision, built!.MixNodeCount, built.Gateways.Count);
        }
        else
        {
            LogRejected(topology.Revision, error);
        }
    }

    // The descriptors become the validator API's bonds so that one path (NymTopology.TryBuild) applies Nym's filtering
    // to every source; the stake fields are not read by it.
    private static readonly Coin None = Coin.Unym(0);

    private static MixNodeBond MixNodeBond(NodeDescriptor d) => new(
        None, None, Owner: "", (int)d.Layer, BlockHeight: 0,
        new MixNodeDescriptor(d.Host, Port(d.MixPort), VerlocPort: 0, HttpApiPort: 0,
            Base58.Encode(d.SphinxKey.Span), Base58.Encode(d.IdentityKey.Span), d.Version, ProfitMarginPercent: 0),
        Proxy: null, AccumulatedRewards: null);

    private static GatewayBond GatewayBond(NodeDescriptor d) => new(
        None, Owner: "", BlockHeight: 0,
        new GatewayDescriptor(d.Host, Port(d.MixPort), Port(d.ClientsPort), d.Location,
            Base58.Encode(d.SphinxKey.Span), Base58.Encode(d.IdentityKey.Span), d.Version),
        Proxy: null);

    /// <summary>A port nym-api should never send is made 0, which no route can use, rather than wrapped around.</summary>
    private static ushort Port(uint port) => port <= ushort.MaxValue ? (ushort)port : (ushort)0;

    /// <summary>Host names (a Kubernetes service, a NYM_HOST) are resolved once per topology; unknown ones drop their node.</summary>
    private static IPAddress? Resolve(string host)
    {
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Topology revision {Revision} in use: {MixNodes} mix nodes, {Gateways} gateways")]
    private partial void LogAccepted(ulong revision, int mixNodes, int gateways);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Topology revision {Revision} not usable ({Reason}); keeping the previous one")]
    private partial void LogRejected(ulong revision, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "nym-api at {Url} cannot be watched ({Status}); retrying with backoff up to {MaximumDelay}")]
    private partial void LogUnreachable(Uri url, StatusCode status, TimeSpan maximumDelay);
}
