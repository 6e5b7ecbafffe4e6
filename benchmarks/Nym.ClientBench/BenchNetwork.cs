using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nym.Protocol.Topology;

namespace Nym.ClientBench;

/// <summary>
/// The real AppHost at its default sizes (nym-api, three mix layers, a gateway, the KeyStore …) through
/// Aspire.Hosting.Testing, with its state in a temporary home. nym-api's HTTP port, fixed at 8080 for people, is moved
/// to a free port so that the benchmark does not collide with a network or test already running on this machine.
/// </summary>
internal sealed partial class BenchNetwork : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);
    private readonly DistributedApplication _app;

    private BenchNetwork(DistributedApplication app, Uri validator)
    {
        _app = app;
        Validator = validator;
    }

    /// <summary>nym-api's HTTP URL: the clients' validator API.</summary>
    public Uri Validator { get; }

    public static async Task<BenchNetwork> StartAsync(string home, CancellationToken cancellationToken)
    {
        // No AppHost client: the benchmark runs its own, and alice's fixed port 1977 would collide with a running AppHost.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.NymAspire_AppHost>(
            [$"--Network:Home={home}", "--Network:Clients=0"], cancellationToken);
        // The health checks fail (and log it) until each node has started: expected, not worth a screen of stack traces.
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));
        int apiPort = FreePort();
        var api = builder.Resources.Single(r => r.Name == "nym-api");
        api.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").Port = apiPort;
        // The network the clients need, by the deployment contract's names; other resources of the AppHost (a client of
        // its own, say, or Aspire's helpers such as "<project>-rebuilder") are not waited for.
        var needed = builder.Resources.OfType<ProjectResource>().Select(r => r.Name).Where(n => n == "nym-api" || NodeName().IsMatch(n)).ToList();
        int mixNodes = needed.Count(n => n.StartsWith("mix-", StringComparison.Ordinal)), gateways = needed.Count(n => n.StartsWith("gateway-", StringComparison.Ordinal));

        var app = await builder.BuildAsync(cancellationToken);
        var network = new BenchNetwork(app, new Uri($"http://127.0.0.1:{apiPort}"));
        try
        {
            await app.StartAsync(cancellationToken).WaitAsync(Patience, cancellationToken);
            foreach (var name in needed)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, cancellationToken).WaitAsync(Patience, cancellationToken);
            }

            await network.WaitForTopologyAsync(mixNodes, gateways, cancellationToken);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every node registered and listed by nym-api, as a client's init will read it.</summary>
    private async Task WaitForTopologyAsync(int mixNodes, int gateways, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Validator };
        for (var deadline = DateTime.UtcNow + Patience; ; await Task.Delay(500, cancellationToken))
        {
            if (TopologyJson.TryParseMixNodes(await http.GetByteArrayAsync("/v1/mixnodes/active", cancellationToken), out var mixes, out _)
                && TopologyJson.TryParseGateways(await http.GetByteArrayAsync("/v1/gateways", cancellationToken), out var listed, out _)
                && mixes.Count == mixNodes && listed.Count == gateways)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nym-api did not list {mixNodes} mix nodes and {gateways} gateways within {Patience}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex(@"^(mix-[1-3]-[0-9]+|gateway-[0-9]+)$")]
    private static partial Regex NodeName();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
