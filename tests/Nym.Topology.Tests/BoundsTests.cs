extern alias nymapi;

using Grpc.Core;
using Xunit;
using TopologyState = nymapi::Nym.Topology.TopologyState;

namespace Nym.Topology.Tests;

/// <summary>Registration is open to anyone with a key, so the directory is bounded and forgets long-silent nodes.</summary>
public sealed class BoundsTests : IAsyncLifetime
{
    private readonly TempDirectory _dataDirectory = new();
    private ServiceHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServiceHost.StartAsync(_dataDirectory.Path, maxNodes: 2);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dataDirectory.Dispose();
    }

    private DateTimeOffset Now => _host.Time.GetUtcNow();

    [Fact]
    public async Task A_full_directory_refuses_new_identities_until_silent_nodes_are_forgotten()
    {
        var first = new TestNode();
        var second = new TestNode();
        await _host.RegisterAsync(first.Register(first.MixNode(1, Now)));
        await _host.RegisterAsync(second.Register(second.MixNode(2, Now)));

        var third = new TestNode();
        var refused = await Assert.ThrowsAsync<RpcException>(() => _host.RegisterAsync(third.Register(third.MixNode(3, Now))));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("maximum of 2 nodes", refused.Status.Detail, StringComparison.Ordinal);

        // A known node still re-announces.
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        await _host.RegisterAsync(first.Register(first.MixNode(1, Now)));

        // After a day of silence both are forgotten, which makes room for the new identity.
        _host.Time.Advance(TopologyState.InactiveRetention + TimeSpan.FromMinutes(1));
        await _host.RegisterAsync(third.Register(third.MixNode(3, Now)));
        var listed = await _host.GetTopologyAsync();
        Assert.Equal(third.IdentityKey, Assert.Single(listed.MixNodes).IdentityKey);
    }
}
