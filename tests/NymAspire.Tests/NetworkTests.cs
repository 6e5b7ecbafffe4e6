using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Nym.Protocol.Topology;
using Xunit;

namespace NymAspire.Tests;

/// <summary>The real AppHost, started as a whole: every resource healthy and the network listed by nym-api.</summary>
public sealed class NetworkTests : IDisposable
{
    private static readonly string[] Resources = ["nym-api", "keystore", "mix-1-1", "mix-2-1", "mix-3-1", "gateway-1"];
    private readonly string _home = Directory.CreateTempSubdirectory("nymaspire-app-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task The_apphost_starts_a_healthy_network_that_nym_api_lists()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.NymAspire_AppHost>([$"--Network:Home={_home}"], cancellationToken);
        await using var app = await appHost.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(3), cancellationToken);

        foreach (var resource in Resources)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken).WaitAsync(TimeSpan.FromMinutes(3), cancellationToken);
        }

        // The Topology service is on its fixed port; nodes register as soon as they start.
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8080") };
        IReadOnlyList<MixNodeBond> mixNodes = [];
        IReadOnlyList<GatewayBond> gateways = [];
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline; await Task.Delay(500, cancellationToken))
        {
            Assert.True(TopologyJson.TryParseMixNodes(await http.GetByteArrayAsync("/v1/mixnodes/active", cancellationToken), out mixNodes, out var error), error);
            Assert.True(TopologyJson.TryParseGateways(await http.GetByteArrayAsync("/v1/gateways", cancellationToken), out gateways, out error), error);
            if (mixNodes.Count == 3 && gateways.Count == 1)
            {
                break;
            }
        }

        Assert.Equal([1, 2, 3], mixNodes.Select(m => m.Layer).Order());
        Assert.Single(gateways);
        Assert.True(NymTopology.TryBuild(mixNodes, gateways, "1.0.1", null, out _, out var reason), reason);
    }
}
