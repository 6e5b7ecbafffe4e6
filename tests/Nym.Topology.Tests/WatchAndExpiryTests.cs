using Grpc.Core;
using Nym.Topology.V1;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>WatchTopology, and a node leaving the active set when its TTL passes on the (fake) clock.</summary>
public sealed class WatchAndExpiryTests
{
    [Fact]
    public async Task A_watcher_gets_the_topology_at_once_then_each_change_including_an_expiry()
    {
        using var dataDirectory = new TempDirectory();
        await using var host = await ServiceHost.StartAsync(dataDirectory.Path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        using var watch = host.Client.WatchTopology(new WatchTopologyRequest(), cancellationToken: timeout.Token);
        var stream = watch.ResponseStream;

        Assert.True(await stream.MoveNext(timeout.Token));
        var initial = stream.Current;
        Assert.Empty(initial.MixNodes);

        var node = new TestNode();
        await host.RegisterAsync(node.Register(node.MixNode(1, host.Time.GetUtcNow())));
        Assert.True(await stream.MoveNext(timeout.Token));
        var registered = stream.Current;
        Assert.Equal(node.IdentityKey, Assert.Single(registered.MixNodes).IdentityKey);
        Assert.True(registered.Revision > initial.Revision);

        host.Time.Advance(ServiceHost.DefaultTtl - TimeSpan.FromMilliseconds(1));
        Assert.Contains(node.IdentityBase58, await ActiveJson(host), StringComparison.Ordinal);

        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await stream.MoveNext(timeout.Token));
        var expired = stream.Current;
        Assert.Empty(expired.MixNodes);
        Assert.True(expired.Revision > registered.Revision);

        Assert.Equal("[]", await ActiveJson(host));
        Assert.Contains(node.IdentityBase58, System.Text.Encoding.UTF8.GetString(await host.GetJsonAsync("/v1/mixnodes")), StringComparison.Ordinal);
        Assert.Empty((await host.GetTopologyAsync()).MixNodes);
    }

    [Fact]
    public async Task A_registration_after_expiry_makes_the_node_active_again()
    {
        using var dataDirectory = new TempDirectory();
        await using var host = await ServiceHost.StartAsync(dataDirectory.Path, ttl: TimeSpan.FromSeconds(10));
        var node = new TestNode();
        await host.RegisterAsync(node.Register(node.Gateway(host.Time.GetUtcNow())));
        host.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("[]", System.Text.Encoding.UTF8.GetString(await host.GetJsonAsync("/v1/gateways")));

        await host.RegisterAsync(node.Register(node.Gateway(host.Time.GetUtcNow())));

        Assert.Single((await host.GetTopologyAsync()).Gateways);
    }

    [Fact]
    public async Task A_watch_ends_at_its_deadline()
    {
        using var dataDirectory = new TempDirectory();
        await using var host = await ServiceHost.StartAsync(dataDirectory.Path);
        using var watch = host.Client.WatchTopology(
            new WatchTopologyRequest(), deadline: DateTime.UtcNow.AddMilliseconds(500), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(await watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
        var e = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
    }

    [Fact]
    public async Task Stopping_the_service_ends_open_watches_with_unavailable()
    {
        using var dataDirectory = new TempDirectory();
        await using var host = await ServiceHost.StartAsync(dataDirectory.Path);
        using var watch = host.Client.WatchTopology(new WatchTopologyRequest(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(await watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken));

        var next = watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken);
        await host.StopAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => next);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("shutting down", e.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<string> ActiveJson(ServiceHost host) =>
        System.Text.Encoding.UTF8.GetString(await host.GetJsonAsync("/v1/mixnodes/active"));
}
