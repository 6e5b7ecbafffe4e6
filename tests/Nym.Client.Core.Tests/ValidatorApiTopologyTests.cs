using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>The topology read from nym-api's validator-API JSON (the real nym-api process), and from a server that misbehaves.</summary>
[Collection(nameof(NetworkCollection))]
public sealed class ValidatorApiTopologyTests(Network network)
{
    private static readonly Uri Nowhere = new("http://127.0.0.1:1");

    [Fact]
    public async Task ReadsTheNetworkFromNymApi()
    {
        await using var topology = new ValidatorApiTopology([network.Topology.HttpUri], TimeSpan.FromMinutes(5), TimeProvider.System, NullLogger.Instance);
        Assert.Null(topology.Current);
        await topology.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, topology.Current!.MixNodeCount);
        Assert.NotNull(topology.Current.FindGateway(network.GatewayKeys.Identity.PublicKey));
        Assert.Equal(network.ClientsUri.ToString().TrimEnd('/'), topology.Current.FindGateway(network.GatewayKeys.Identity.PublicKey)!.ClientsUrl);
    }

    [Fact]
    public async Task AnUnreachableUrlIsSkipped()
    {
        await using var topology = new ValidatorApiTopology([Nowhere, network.Topology.HttpUri], TimeSpan.FromMinutes(5), TimeProvider.System, NullLogger.Instance);
        await topology.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, topology.Current!.MixNodeCount);
    }

    [Fact]
    public async Task NoReachableUrlNamesItAndSaysHowToStartTheNetwork()
    {
        await using var topology = new ValidatorApiTopology([Nowhere], TimeSpan.FromMinutes(5), TimeProvider.System, NullLogger.Instance);
        var e = await Assert.ThrowsAsync<ClientSetupException>(() => topology.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("http://127.0.0.1:1", e.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project NymAspire.AppHost", e.Message, StringComparison.Ordinal);
        Assert.Null(topology.Current);
    }

    [Fact]
    public async Task ABadAnswerKeepsTheLastGoodTopologyAndRefreshesFollowTheClock()
    {
        var mixNodes = await network.Topology.GetJsonAsync("/v1/mixnodes/active", TestContext.Current.CancellationToken);
        var gateways = await network.Topology.GetJsonAsync("/v1/gateways", TestContext.Current.CancellationToken);
        string mode = "good";
        await using var server = await StartServerAsync(path => Volatile.Read(ref mode) switch
        {
            "good" => path.EndsWith("gateways", StringComparison.Ordinal) ? gateways : mixNodes,
            "empty" => "[]"u8.ToArray(),
            _ => "{not json"u8.ToArray(),
        });
        var url = new Uri(server.Urls.Single() + "/api");
        var time = new FakeTimeProvider();
        await using var topology = new ValidatorApiTopology([url], TimeSpan.FromMinutes(5), time, NullLogger.Instance);
        int updates = 0;
        topology.Updated += _ => Interlocked.Increment(ref updates);
        await topology.StartAsync(TestContext.Current.CancellationToken);
        var good = topology.Current;
        Assert.NotNull(good);

        Volatile.Write(ref mode, "garbage");
        Assert.Contains("malformed", await topology.TryRefreshAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Volatile.Write(ref mode, "empty");
        Assert.Contains("unusable", await topology.TryRefreshAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Same(good, topology.Current);

        // The background refresh runs on the clock it was given.
        Volatile.Write(ref mode, "good");
        Assert.Equal(1, Volatile.Read(ref updates));
        time.Advance(TimeSpan.FromMinutes(5));
        await Eventually.TrueAsync(() => Volatile.Read(ref updates) == 2, "a refresh after five (fake) minutes");
        Assert.NotSame(good, topology.Current);
    }

    [Fact]
    public async Task AConnectionResetMidBodyIsThatUrlFailingAndTheRefreshLoopSurvivesIt()
    {
        var mixNodes = await network.Topology.GetJsonAsync("/v1/mixnodes/active", TestContext.Current.CancellationToken);
        var gateways = await network.Topology.GetJsonAsync("/v1/gateways", TestContext.Current.CancellationToken);
        bool reset = true;
        int resets = 0;
        await using var server = await StartServerAsync(
            path => path.EndsWith("gateways", StringComparison.Ordinal) ? gateways : mixNodes,
            resetMidBody: () => Volatile.Read(ref reset),
            onReset: () => Interlocked.Increment(ref resets));
        var resetting = new Uri(server.Urls.Single());

        // Alone, it is named as failing, like an unreachable URL; before, its IOException escaped StartAsync.
        await using (var alone = new ValidatorApiTopology([resetting], TimeSpan.FromMinutes(5), TimeProvider.System, NullLogger.Instance))
        {
            var e = await Assert.ThrowsAsync<ClientSetupException>(() => alone.StartAsync(TestContext.Current.CancellationToken));
            Assert.Contains(resetting.ToString(), e.Message, StringComparison.Ordinal);
        }

        // With a good URL too, whichever the shuffle tries first, the good one is used.
        await using (var rotating = new ValidatorApiTopology([resetting, network.Topology.HttpUri], TimeSpan.FromMinutes(5), TimeProvider.System,
            NullLogger.Instance))
        {
            await rotating.StartAsync(TestContext.Current.CancellationToken);
            Assert.Equal(3, rotating.Current!.MixNodeCount);
        }

        // A background refresh that meets a reset does not end the refreshing, and disposing does not throw.
        Volatile.Write(ref reset, false);
        var time = new FakeTimeProvider();
        var topology = new ValidatorApiTopology([resetting], TimeSpan.FromMinutes(5), time, NullLogger.Instance);
        int updates = 0;
        topology.Updated += _ => Interlocked.Increment(ref updates);
        await topology.StartAsync(TestContext.Current.CancellationToken);
        Volatile.Write(ref reset, true);
        int resetsBefore = Volatile.Read(ref resets);
        time.Advance(TimeSpan.FromMinutes(5));
        await Eventually.TrueAsync(() => Volatile.Read(ref resets) > resetsBefore, "the refresh to meet a reset");
        Volatile.Write(ref reset, false);
        await Eventually.TrueAsync(() =>
        {
            // The failed refresh may still be on its way out when the clock moves: keep moving it until one lands.
            time.Advance(TimeSpan.FromMinutes(5));
            return Volatile.Read(ref updates) == 2;
        }, "a good refresh after the reset");
        await topology.DisposeAsync();
        await topology.DisposeAsync();
    }

    /// <summary>
    /// A plain HTTP server on a free loopback port answering every GET with <paramref name="body"/>(path), or, while
    /// <paramref name="resetMidBody"/> says so, with the headers and part of the body and then a connection reset.
    /// </summary>
    private static async Task<WebApplication> StartServerAsync(Func<string, byte[]> body, Func<bool>? resetMidBody = null, Action? onReset = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/{**path}", async (HttpContext context) =>
        {
            var bytes = body(context.Request.Path.Value ?? "");
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = bytes.Length;
            if (resetMidBody?.Invoke() is true)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await context.Response.Body.FlushAsync();
                onReset?.Invoke();
                context.Abort();
                return;
            }

            await context.Response.Body.WriteAsync(bytes);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }
}
