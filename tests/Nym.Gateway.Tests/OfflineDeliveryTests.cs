using System.Net.WebSockets;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>
/// Messages for a client that is not connected wait in its inbox in the gateway's SQLite file and are pushed, oldest
/// first, when it authenticates again (nym-mixnet.md §5.5), also after the gateway restarts.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class OfflineDeliveryTests(Network network)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Messages_for_an_offline_client_are_stored_and_pushed_oldest_first_when_it_authenticates()
    {
        await NoClientConnectedAsync();
        var alice = new TestClient(network);
        var bob = new TestClient(network);
        var (aliceConnection, _) = await alice.RegisterAsync();
        await using var a = aliceConnection;
        var (bobConnection, _) = await bob.RegisterAsync();
        await bobConnection.DisposeAsync();
        await Eventually.TrueAsync(() => network.Delivery.ConnectedClients == 1, "the gateway to see bob leave");

        var messages = await SendOneByOneAsync(alice, aliceConnection, bob, 3);

        var stored = await network.Store.ReadOldestAsync(bob.Identity.PublicKey, 10, Token);
        var (connection, response, pushed) = await bob.AuthenticateAsync();
        await using var b = connection;
        Assert.True(response.Status);
        // Pushed before the authenticate response, exactly as stored, oldest first.
        Assert.Equal(stored.Select(m => m.Content), pushed.Select(bob.Decrypt));
        Assert.Equal(messages, await bob.ReceiveAsync(connection, messages: 3, already: pushed));
        Assert.Empty(await network.Store.ReadOldestAsync(bob.Identity.PublicKey, 10, Token));

        // Back online: the next message is pushed at once, not stored.
        var live = "live again"u8.ToArray();
        await alice.SendAsync(aliceConnection, bob.Address, live);
        Assert.Equal(live, Assert.Single(await bob.ReceiveAsync(connection, messages: 1)));
    }

    [Fact]
    public async Task Stored_messages_survive_a_gateway_restart()
    {
        await NoClientConnectedAsync();
        var alice = new TestClient(network);
        var bob = new TestClient(network);
        var (aliceConnection, _) = await alice.RegisterAsync();
        await using var a0 = aliceConnection;
        var (bobConnection, _) = await bob.RegisterAsync();
        await bobConnection.DisposeAsync();
        await Eventually.TrueAsync(() => network.Delivery.ConnectedClients == 1, "the gateway to see bob leave");
        var messages = await SendOneByOneAsync(alice, aliceConnection, bob, 2);

        await network.RestartGatewayAsync();

        Assert.Equal(2, (await network.Store.ReadOldestAsync(bob.Identity.PublicKey, 10, Token)).Count);
        // Connected clients were told, with a close frame, that the gateway was going away.
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, (await aliceConnection.ClosedAsync()).Status);
        var (connection, response, pushed) = await bob.AuthenticateAsync();
        await using var b = connection;
        Assert.True(response.Status);
        Assert.Equal(messages, await bob.ReceiveAsync(connection, messages: 2, already: pushed));
        Assert.Empty(await network.Store.ReadOldestAsync(bob.Identity.PublicKey, 10, Token));

        // The restarted gateway also carries new traffic: alice comes back and reaches bob live.
        var (aliceAgain, aliceResponse, _) = await alice.AuthenticateAsync();
        await using var a = aliceAgain;
        Assert.True(aliceResponse.Status);
        var after = "after the restart"u8.ToArray();
        var fragments = await alice.SendAsync(aliceAgain, bob.Address, after);
        Assert.Equal(after, Assert.Single(await bob.ReceiveAsync(connection, messages: 1)));
        Assert.Empty(await alice.ReceiveAsync(aliceAgain, messages: 0, acks: fragments));
    }

    [Fact]
    public async Task A_client_that_leaves_while_its_inbox_is_written_keeps_the_rest_of_it()
    {
        await NoClientConnectedAsync();
        var bob = new TestClient(network);
        var (registration, _) = await bob.RegisterAsync();
        await registration.DisposeAsync();
        await NoClientConnectedAsync();
        const int Stored = 1000;
        var payload = new byte[1643];
        for (int i = 0; i < Stored; i++)
        {
            Assert.True(await network.Store.TryStoreMessageAsync(bob.Identity.PublicKey, payload, 100_000, Token));
        }

        // Bob authenticates but does not read, so the gateway's writing of the inbox stalls part way; then he is gone.
        var stalled = await GatewayConnection.OpenStalledAsync(network.ClientsUri);
        await stalled.SendTextAsync(bob.NewAuthenticateRequest().ToJson());
        await Eventually.TrueAsync(async () => (await network.Store.ReadOldestAsync(bob.Identity.PublicKey, Stored, Token)).Count < Stored,
            "the gateway to start writing the inbox");
        stalled.Abort();
        await stalled.DisposeAsync();

        // The gateway stops writing into the dead connection and forgets it; the rest waits for the next one.
        await NoClientConnectedAsync();
        var (again, response, pushed) = await bob.AuthenticateAsync();
        await using var a = again;
        Assert.True(response.Status);
        Assert.NotEmpty(pushed);
        Assert.Empty(await network.Store.ReadOldestAsync(bob.Identity.PublicKey, Stored, Token));
    }

    /// <summary>Earlier tests' connections are gone, so that the connected count speaks of this test's clients only.</summary>
    private async Task NoClientConnectedAsync() =>
        await Eventually.TrueAsync(() => network.Delivery.ConnectedClients == 0, "earlier tests' connections to end");

    /// <summary>Sends <paramref name="count"/> one-fragment messages, each once the one before is stored, so that storage order is send order.</summary>
    private async Task<List<byte[]>> SendOneByOneAsync(TestClient from, GatewayConnection connection, TestClient to, int count)
    {
        var messages = new List<byte[]>();
        for (int i = 1; i <= count; i++)
        {
            var message = System.Text.Encoding.UTF8.GetBytes($"stored message {i}");
            await from.SendAsync(connection, to.Address, message);
            messages.Add(message);
            int expected = i;
            await Eventually.TrueAsync(async () => (await network.Store.ReadOldestAsync(to.Identity.PublicKey, 100, Token)).Count == expected,
                $"message {i} to be stored");
        }

        return messages;
    }
}
