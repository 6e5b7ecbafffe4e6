using Nym.Gateway.Tests.Support;
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
}
