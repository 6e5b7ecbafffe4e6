using Microsoft.Extensions.Logging.Abstractions;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>init reads the topology, and finds the gateway it was told to use, before the KeyStore creates anything.</summary>
[Collection(nameof(NetworkCollection))]
public sealed class InitLeavesNothingTests(Network network)
{
    [Fact]
    public async Task An_init_without_a_topology_or_with_an_unknown_gateway_creates_no_keys()
    {
        await using var host = await ClientServicesHost.StartAsync(network);
        var keys = Path.Combine(host.Home, "clients", "ghost");

        var unreachable = await Assert.ThrowsAsync<ClientSetupException>(() => ClientInitialisation.InitAsync(
            "ghost", null, [new Uri("http://127.0.0.1:1")], host.Services, NullLogger.Instance, TestContext.Current.CancellationToken));
        Assert.Contains("http://127.0.0.1:1", unreachable.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(keys));

        const string Stranger = "FioFa8nMmPpQnYi7JyojoTuwGLeyNS8BF4ChPr29zUML";
        var unknown = await Assert.ThrowsAsync<ClientSetupException>(() => ClientInitialisation.InitAsync(
            "ghost", Stranger, [network.Topology.HttpUri], host.Services, NullLogger.Instance, TestContext.Current.CancellationToken));
        Assert.Contains("Unknown gateway " + Stranger, unknown.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(keys));

        // The same init with a reachable topology does create them: the checks above look at the right place.
        await ClientInitialisation.InitAsync("ghost", null, [network.Topology.HttpUri], host.Services, NullLogger.Instance, TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Path.Combine(keys, "data", "private_identity.pem")));
    }
}
