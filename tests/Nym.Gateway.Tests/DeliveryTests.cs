using Nym.TestNetwork;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>Clients' packets cross the three real mix nodes and come back through the gateway (nym-mixnet.md §5, §6).</summary>
[Collection(nameof(NetworkCollection))]
public sealed class DeliveryTests(Network network)
{
    [Fact]
    public async Task A_message_to_oneself_crosses_the_mixnet_and_its_surb_ack_comes_back()
    {
        var alice = new TestClient(network);
        var (connection, pushed) = await alice.RegisterAsync();
        await using var _ = connection;
        Assert.Empty(pushed);
        var message = "hello through three mix layers"u8.ToArray();

        var fragments = await alice.SendAsync(connection, alice.Address, message);

        Assert.Single(fragments);
        var received = await alice.ReceiveAsync(connection, messages: 1, acks: fragments);
        Assert.Equal(message, Assert.Single(received));
    }

    [Fact]
    public async Task Two_clients_exchange_messages_both_ways()
    {
        var alice = new TestClient(network);
        var bob = new TestClient(network);
        var (aliceConnection, _) = await alice.RegisterAsync();
        await using var a = aliceConnection;
        var (bobConnection, _) = await bob.RegisterAsync();
        await using var b = bobConnection;
        var toBob = new byte[5000];
        Random.Shared.NextBytes(toBob);

        var aliceFragments = await alice.SendAsync(aliceConnection, bob.Address, toBob);
        Assert.Equal(toBob, Assert.Single(await bob.ReceiveAsync(bobConnection, messages: 1)));
        Assert.Empty(await alice.ReceiveAsync(aliceConnection, messages: 0, acks: aliceFragments));

        var toAlice = "and back to alice"u8.ToArray();
        var bobFragments = await bob.SendAsync(bobConnection, alice.Address, toAlice);
        Assert.Equal(toAlice, Assert.Single(await alice.ReceiveAsync(aliceConnection, messages: 1)));
        Assert.Empty(await bob.ReceiveAsync(bobConnection, messages: 0, acks: bobFragments));
    }

    [Fact]
    public async Task A_client_that_reads_slower_than_its_messages_arrive_gets_them_all_in_order()
    {
        var bob = new TestClient(network);
        var (registration, _) = await bob.RegisterAsync();
        await registration.DisposeAsync();
        await Eventually.TrueAsync(() => network.Delivery.ConnectedClients == 0, "earlier connections to end");
        await using var stalled = await GatewayConnection.OpenStalledAsync(network.ClientsUri);
        await stalled.SendTextAsync(bob.NewAuthenticateRequest().ToJson());
        await Eventually.TrueAsync(() => network.Delivery.ConnectedClients == 1, "bob to be connected");

        // More than the gateway queues for a connection (1024) and the sockets can hold (bob's receive buffer is
        // small; the gateway's send buffer grows to tcp_wmem's maximum, 4 MiB by default), while bob does not read. They are handed to delivery directly, as the
        // gateway's delivery loop hands final-hop payloads: through the mixnet they would take long.
        const int Count = 6000;
        for (int i = 0; i < Count; i++)
        {
            await network.Delivery.DeliverAsync(bob.Identity.PublicKey, Numbered(i), TestContext.Current.CancellationToken);
        }

        Assert.NotEmpty(await network.Store.ReadOldestAsync(bob.Identity.PublicKey, 1, TestContext.Current.CancellationToken));
        stalled.StartReading();
        var received = new List<int>();
        while (received.Count < Count)
        {
            switch (await stalled.NextAsync())
            {
                case BinaryFrame frame:
                    received.Add(BitConverter.ToInt32(bob.Decrypt(frame.Data)));
                    break;
                case TextFrame { Message: Nym.Protocol.Gateway.AuthenticateResponse { Status: true } }:
                    break;
                case var other:
                    Assert.Fail($"after {received.Count} payloads: {other}");
                    break;
            }
        }

        Assert.Equal(Enumerable.Range(0, Count), received);
    }

    private static byte[] Numbered(int i)
    {
        var payload = new byte[1643];
        BitConverter.TryWriteBytes(payload, i);
        return payload;
    }
}
