using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Nym.Gateway.Clients;
using Nym.Gateway.Storage;
using Nym.MixNode;
using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Protocol.Topology;
using Xunit;

using Nym.Gateway;

namespace Nym.TestNetwork;

/// <summary>
/// A whole small mixnet with real sockets: the real nym-api as a process, three mix nodes (layers 1–3) and one
/// gateway started in-process with their real startup code (<see cref="MixNodeApp.Build"/>,
/// <see cref="GatewayApp.Build"/>) on free ports with temporary homes, all registered with that nym-api; and the
/// <see cref="NymTopology"/> a client builds from its validator-API JSON.
/// </summary>
public sealed class Network : IAsyncLifetime
{
    /// <summary>Short reconnection backoffs: a restarted gateway is reached again quickly by the layer-3 nodes.</summary>
    private static readonly ForwardingSettings Forwarding = new()
    {
        InitialReconnectionBackoff = TimeSpan.FromMilliseconds(50),
        MaximumReconnectionBackoff = TimeSpan.FromMilliseconds(500),
    };

    private readonly TempDirectory _home = new("nym-gateway-tests-home-");
    private readonly CapturedLogs _gatewayLogs = new();
    private readonly List<WebApplication> _mixNodes = [];
    private readonly List<(NodeConfig Config, NodeKeys Keys)> _mixNodeSetups = [];
    private TopologyProcess? _topology;
    private bool _disposed;

    internal TopologyProcess Topology => _topology ?? throw new InvalidOperationException("not started");

    public WebApplication Gateway { get; private set; } = null!;

    public NodeConfig GatewayConfig { get; private set; } = null!;

    public NodeKeys GatewayKeys { get; } = NodeKeys.Generate();

    public NodePaths GatewayPaths => NymHome.NodePaths(_home.Path, NodeKind.Gateway, GatewayConfig.Id);

    public NymTopology NymTopology { get; private set; } = null!;

    public Uri ClientsUri => new($"ws://127.0.0.1:{GatewayConfig.ClientsPort}");

    internal GatewayStore Store => Gateway.Services.GetRequiredService<GatewayStore>();

    internal ClientDelivery Delivery => Gateway.Services.GetRequiredService<ClientDelivery>();

    /// <summary>Every line the gateway has logged (at every level), over restarts.</summary>
    public IReadOnlyCollection<string> GatewayLogs => _gatewayLogs.Lines;

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // Whatever did start is stopped, and the nym-api process and the temporary home go, before the failure is reported.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        var cancellation = TestContext.Current.CancellationToken;
        _topology = await TopologyProcess.StartAsync(cancellation);
        var topologyUrl = Topology.GrpcUri.ToString().TrimEnd('/');

        for (int layer = 1; layer <= 3; layer++)
        {
            var config = new NodeConfig
            {
                Kind = NodeKind.MixNode, Id = $"mix-{layer}", Layer = layer, MixPort = Ports.Free(), HttpPort = Ports.Free(),
                TopologyUrl = topologyUrl, Forwarding = Forwarding,
            };
            var keys = NodeKeys.Generate();
            var node = MixNodeApp.Build(config, keys, Quiet);
            try
            {
                await node.StartAsync(cancellation);
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }

            _mixNodes.Add(node);
            _mixNodeSetups.Add((config, keys));
        }

        GatewayConfig = new NodeConfig
        {
            Kind = NodeKind.Gateway, Id = "gateway", MixPort = Ports.Free(), HttpPort = Ports.Free(), ClientsPort = Ports.Free(),
            TopologyUrl = topologyUrl, Forwarding = Forwarding,
        };
        await StartGatewayAsync();

        NymTopology? topology = null;
        string why = "";
        await Eventually.TrueAsync(async () =>
        {
            var mixNodesJson = await Topology.GetJsonAsync("/v1/mixnodes/active", cancellation);
            var gatewaysJson = await Topology.GetJsonAsync("/v1/gateways", cancellation);
            Assert.True(TopologyJson.TryParseMixNodes(mixNodesJson, out var mixNodes, out var error), error);
            Assert.True(TopologyJson.TryParseGateways(gatewaysJson, out var gateways, out error), error);
            why = $"{mixNodes.Count} mix nodes and {gateways.Count} gateways listed";
            return mixNodes.Count == 3 && gateways.Count == 1
                && NymTopology.TryBuild(mixNodes, gateways, NodeConfig.SoftwareVersion, null, out topology, out why);
        }, "nym-api to list the 3 mix nodes and the gateway");
        NymTopology = topology!;
        Assert.NotNull(NymTopology.FindGateway(GatewayKeys.Identity.PublicKey));
    }

    /// <summary>The in-process mix nodes' counters, layer 1 first.</summary>
    public IReadOnlyList<NodeMetrics> MixNodeMetrics => _mixNodes.Select(n => n.Services.GetRequiredService<NodeMetrics>()).ToArray();

    /// <summary>Stops the gateway (a clean stop, as on SIGTERM) and starts a new one on the same data directory and ports.</summary>
    public async Task RestartGatewayAsync()
    {
        await StopGatewayAsync();
        await StartGatewayAsync();
    }

    /// <summary>
    /// Stops the mix node of <paramref name="layer"/> (a clean stop, as on SIGTERM), runs <paramref name="whileDown"/>,
    /// then starts a new one with the same keys and ports.
    /// </summary>
    public async Task RestartMixNodeAsync(int layer, Func<Task> whileDown)
    {
        ArgumentNullException.ThrowIfNull(whileDown);
        int index = layer - 1;
        await _mixNodes[index].StopAsync(CancellationToken.None);
        await _mixNodes[index].DisposeAsync();
        await whileDown();
        var (config, keys) = _mixNodeSetups[index];
        var node = MixNodeApp.Build(config, keys, Quiet);
        _mixNodes[index] = node;
        await node.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Once only: after a failed start, the failure path and the test framework may both ask.
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (Gateway is not null)
        {
            await StopGatewayAsync();
        }

        foreach (var node in _mixNodes)
        {
            await node.StopAsync(CancellationToken.None);
            await node.DisposeAsync();
        }

        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }

        _home.Dispose();
    }

    private async Task StartGatewayAsync()
    {
        var paths = GatewayPaths;
        Directory.CreateDirectory(paths.DataDirectory);
        Gateway = GatewayApp.Build(GatewayConfig, GatewayKeys, paths, services =>
        {
            Quiet(services);
            services.AddSingleton<ILoggerProvider>(_gatewayLogs);
            // Every level reaches the capture, whatever the configuration says for the other providers.
            services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(typeof(CapturedLogs).FullName, null, LogLevel.Trace, null)));
        });
        await Gateway.StartAsync(TestContext.Current.CancellationToken);
    }

    private async Task StopGatewayAsync()
    {
        await Gateway.StopAsync(CancellationToken.None);
        await Gateway.DisposeAsync();
    }

    /// <summary>The tests assert on state, metrics and what clients receive, not on log lines.</summary>
    private static void Quiet(IServiceCollection services)
    {
        if (Environment.GetEnvironmentVariable("NYM_TEST_LOGS") is not { Length: > 0 })
        {
            services.RemoveAll<ILoggerProvider>();
        }
    }
}
