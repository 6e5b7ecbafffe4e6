using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Nym.Gateway.Clients;
using Nym.TestNetwork;
using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Protocol.Gateway;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>What the gateway's logs and counters say: the right outcome, and never a key, an address or a payload.</summary>
[Collection(nameof(NetworkCollection))]
public sealed class ObservabilityTests(Network network)
{
    [Fact]
    public async Task The_logs_never_show_a_clients_address_keys_or_messages()
    {
        var alice = new TestClient(network);
        var (aliceConnection, _) = await alice.RegisterAsync();
        await using (aliceConnection)
        {
            var message = "a secret only alice may read"u8.ToArray();
            var fragments = await alice.SendAsync(aliceConnection, alice.Address, message);
            await alice.ReceiveAsync(aliceConnection, messages: 1, acks: fragments);

            // Refusals and closes are logged: a replay, a replacement, garbage.
            var request = alice.NewAuthenticateRequest();
            var (replacing, _, _) = await alice.AuthenticateAsync(request);
            await using var r = replacing;
            var (replay, _, _) = await alice.AuthenticateAsync(request);
            await using var p = replay;
            await replacing.SendTextAsync("garbage");
            await replacing.ClosedAsync();
        }

        var secrets = new[]
        {
            alice.Identity.PublicKeyBase58, Convert.ToHexString(alice.Identity.PublicKey.AsReadOnlySpan()),
            alice.Address.ToBase58String(), alice.SharedKeys!.ToBase58(), alice.Encryption.PublicKeyBase58,
            "a secret only alice may read",
        };
        await Eventually.TrueAsync(() => network.GatewayLogs.Any(l => l.Contains("Client connection closed", StringComparison.Ordinal)),
            "the gateway to log the closes");
        foreach (var line in network.GatewayLogs)
        {
            foreach (var secret in secrets)
            {
                Assert.False(line.Contains(secret, StringComparison.OrdinalIgnoreCase), $"a log line shows a client's secret: {line}");
            }
        }
    }

    [Fact]
    public async Task A_replaced_connection_is_counted_as_replaced()
    {
        using var counters = new GatewayCounters(network.Gateway.Services);
        var bob = new TestClient(network);
        var (first, _) = await bob.RegisterAsync();
        await using var f = first;

        var (second, response, _) = await bob.AuthenticateAsync();
        await using var s = second;
        Assert.True(response.Status);
        await first.ClosedAsync();

        await Eventually.TrueAsync(() => counters.Connections("replaced") == 1, "the replacement to be counted");
        Assert.Equal(1, counters.Connections("registered"));
        Assert.Equal(1, counters.Connections("authenticated"));
        Assert.Equal(0, counters.Connections("handshake_timeout"));
    }
}

/// <summary>The handshake deadline, on a gateway of its own that runs on a fake clock.</summary>
public sealed class HandshakeDeadlineTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new("nym-gateway-deadline-");
    private readonly FakeTimeProvider _time = new();
    private readonly NodeKeys _keys = NodeKeys.Generate();
    private WebApplication _gateway = null!;
    private Uri _clientsUri = null!;

    public async ValueTask InitializeAsync()
    {
        var config = new NodeConfig
        {
            Kind = NodeKind.Gateway, Id = "deadline", MixPort = Ports.Free(), HttpPort = Ports.Free(), ClientsPort = Ports.Free(),
            // Nothing listens there; this gateway needs no directory.
            TopologyUrl = $"http://127.0.0.1:{Ports.Free()}",
        };
        _clientsUri = new Uri($"ws://127.0.0.1:{config.ClientsPort}");
        _gateway = GatewayApp.Build(config, _keys, NymHome.NodePaths(_home.Path, NodeKind.Gateway, config.Id), services =>
        {
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<TimeProvider>(_time);
        });
        await _gateway.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.StopAsync(CancellationToken.None);
        await _gateway.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task A_client_that_says_nothing_is_closed_at_the_deadline_and_counted()
    {
        using var counters = new GatewayCounters(_gateway.Services);
        await using var silent = await GatewayConnection.OpenAsync(_clientsUri);

        // The deadline's timer starts when the gateway takes the connection: advance until it has fired.
        Incoming? next = null;
        for (var deadline = Environment.TickCount64 + 15_000; next is not Closed;)
        {
            Assert.True(Environment.TickCount64 < deadline, "the silent client was not closed");
            _time.Advance(ClientConnectionHandler.HandshakeTimeout);
            next = await silent.TryNextAsync(TimeSpan.FromMilliseconds(50));
        }

        await Eventually.TrueAsync(() => counters.Connections("handshake_timeout") == 1, "the timeout to be counted");
    }

    [Fact]
    public async Task The_deadline_ends_with_the_handshake()
    {
        var client = new TestClient(_clientsUri, _keys.Identity.PublicKey, topology: null);
        var (connection, _) = await client.RegisterAsync();
        await using var c = connection;

        _time.Advance(TimeSpan.FromHours(1));

        // Still served: a request after the clock has passed any handshake deadline gets its answer.
        await connection.SendTextAsync(new ClaimFreeTestnetBandwidthRequest().ToJson());
        var (bandwidth, _) = await connection.NextTextAsync<BandwidthResponse>();
        Assert.True(bandwidth.AvailableTotal > 0);
    }
}
