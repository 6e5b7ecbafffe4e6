using System.Net.WebSockets;
using System.Text;
using Nym.Protocol.Addressing;
using Nym.Protocol.WebSocketApi;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// nym-client processes exchanging messages through the real small mixnet, driven through the websocket API with
/// ClientWebSocket: the binary API (nym-client-api.md §3), two clients both ways, the gateway's inbox for a client
/// that is down, and D4 (messages kept for the next app).
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class ProcessExchangeTests(Network network) : IDisposable
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _home = new("nym-client-exchange-");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Binary_self_address_then_send_to_self_with_a_reply_surb_then_a_reply_through_it()
    {
        await using var client = await RunningClient.StartAsync(network, _home.Path, "binary");
        await using var app = await client.ConnectAsync();

        // §3: selfAddress is the tag 0x02 and the 96 address bytes (identity, encryption key, gateway).
        await app.SendAsync([0x02], WebSocketMessageType.Binary);
        var (type, bytes) = await app.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(97, bytes.Length);
        Assert.True(BinaryApiCodec.TryDecodeResponse(bytes, out var decoded, out var error), error?.ToString());
        var self = Assert.IsType<SelfAddressResponse>(decoded).Address;
        Assert.Equal(client.Address, self.ToBase58String());

        var message = Encoding.UTF8.GetBytes("binary hello with a way back");
        await app.SendAsync(BinaryApiCodec.Encode(new SendRequest(self, message, withReplySurb: true)), WebSocketMessageType.Binary);
        var received = Assert.IsType<ReceivedResponse>(await app.ReceiveBinaryAsync(Delivery));
        Assert.Equal(message, received.Message);
        Assert.NotNull(received.ReplySurb);

        byte[] answer = [0x00, 0xff, 0x10, 0x80, 0x7f];
        await app.SendAsync(BinaryApiCodec.Encode(new ReplyRequest(received.ReplySurb, answer)), WebSocketMessageType.Binary);
        var reply = Assert.IsType<ReceivedResponse>(await app.ReceiveBinaryAsync(Delivery));
        Assert.Equal(answer, reply.Message);
        Assert.Null(reply.ReplySurb);

        Assert.Equal(0, await client.StopAsync());
    }

    [Fact]
    public async Task Two_clients_exchange_messages_both_ways_in_text_and_binary()
    {
        await using var alice = await RunningClient.StartAsync(network, _home.Path, "alice");
        await using var bob = await RunningClient.StartAsync(network, _home.Path, "bob");
        Assert.NotEqual(alice.Address, bob.Address);
        await using var aliceApp = await alice.ConnectAsync();
        await using var bobApp = await bob.ConnectAsync();

        // Text from alice; bob's app has sent nothing yet, so it gets text (D5).
        await aliceApp.SendTextAsync($$"""{"type":"send","message":"hello bob","recipient":"{{bob.Address}}","withReplySurb":false}""");
        var atBob = await bobApp.ReceiveJsonAsync(Delivery);
        Assert.Equal("received", (string?)atBob["type"]);
        Assert.Equal("hello bob", (string?)atBob["message"]);

        // Binary from bob; alice's last request was text, so she gets it as text.
        await bobApp.SendAsync(BinaryApiCodec.Encode(new SendRequest(Parse(alice.Address), "hello alice"u8.ToArray(), withReplySurb: false)),
            WebSocketMessageType.Binary);
        Assert.Equal("hello alice", (string?)(await aliceApp.ReceiveJsonAsync(Delivery))["message"]);

        // Binary from alice, arbitrary bytes; bob's last request was binary, so he gets exactly those bytes.
        var bytes = new byte[5000];
        Random.Shared.NextBytes(bytes);
        await aliceApp.SendAsync(BinaryApiCodec.Encode(new SendRequest(Parse(bob.Address), bytes, withReplySurb: false)), WebSocketMessageType.Binary);
        Assert.Equal(bytes, Assert.IsType<ReceivedResponse>(await bobApp.ReceiveBinaryAsync(Delivery)).Message);

        // Text from bob; alice's last request was binary now.
        await bobApp.SendTextAsync($$"""{"type":"send","message":"bye alice","recipient":"{{alice.Address}}"}""");
        Assert.Equal("bye alice"u8.ToArray(), Assert.IsType<ReceivedResponse>(await aliceApp.ReceiveBinaryAsync(Delivery)).Message);
    }

    [Fact]
    public async Task A_message_to_a_stopped_client_waits_in_the_gateways_inbox_and_arrives_when_it_runs_again()
    {
        await using var alice = await RunningClient.StartAsync(network, _home.Path, "sender");
        await using var bob = await RunningClient.StartAsync(network, _home.Path, "sleeper");
        Assert.Equal(0, await bob.StopAsync());
        await using var aliceApp = await alice.ConnectAsync();
        // Bob's own cover packets still in flight when he stopped land in his inbox too; let them settle first.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        long before = GatewayInbox(bob.Address);

        await aliceApp.SendTextAsync($$"""{"type":"send","message":"while you were away","recipient":"{{bob.Address}}"}""");
        // Proof that bob is really away when it arrives: the gateway keeps it in its inbox (nym-mixnet.md §5).
        await Eventually.TrueAsync(() => GatewayInbox(bob.Address) > before, "the message to wait in the gateway's inbox", Delivery);

        await bob.RestartAsync(network);
        await using var bobApp = await bob.ConnectAsync();
        var received = await bobApp.ReceiveJsonAsync(Delivery);
        Assert.Equal("while you were away", (string?)received["message"]);
        await Eventually.TrueAsync(() => GatewayInbox(bob.Address) == 0, "the gateway to empty the inbox once delivered");
    }

    [Fact]
    public async Task An_app_connecting_after_messages_arrived_gets_them_oldest_first()
    {
        await using var alice = await RunningClient.StartAsync(network, _home.Path, "writer");
        await using var bob = await RunningClient.StartAsync(network, _home.Path, "reader");
        await using var aliceApp = await alice.ConnectAsync();

        // Bob runs, but no app is connected to him: D4 keeps what arrives on disk for the next app.
        for (int i = 0; i < 3; i++)
        {
            await aliceApp.SendTextAsync($$"""{"type":"send","message":"kept {{i}}","recipient":"{{bob.Address}}","withReplySurb":{{(i == 2 ? "true" : "false")}}}""");
            // One at a time, so that they arrive in the order sent.
            await Eventually.TrueAsync(() => bob.StoredMessages() == i + 1, $"message {i} to be stored", Delivery);
        }

        await using var bobApp = await bob.ConnectAsync();
        for (int i = 0; i < 3; i++)
        {
            var received = await bobApp.ReceiveJsonAsync(Delivery);
            Assert.Equal($"kept {i}", (string?)received["message"]);
            Assert.Equal(i == 2, received["replySurb"] is not null);
        }

        await Eventually.TrueAsync(() => bob.StoredMessages() == 0, "delivered messages to leave the store");
        // The process did not restart: the same bob goes on receiving live.
        await aliceApp.SendTextAsync($$"""{"type":"send","message":"live","recipient":"{{bob.Address}}"}""");
        Assert.Equal("live", (string?)(await bobApp.ReceiveJsonAsync(Delivery))["message"]);
    }

    private static Recipient Parse(string address) =>
        Recipient.TryParse(address, out var recipient, out var error) ? recipient! : throw new InvalidOperationException(error.ToString());

    /// <summary>Messages the gateway holds for a client (its SQLite inbox, read-only), keyed by the identity part of the address.</summary>
    private long GatewayInbox(string address) => RunningClient.Count(
        Path.Combine(network.GatewayPaths.DataDirectory, "db.sqlite"), "SELECT COUNT(*) FROM message_store WHERE client_address_bs58 = $id",
        ("$id", address[..address.IndexOf('.', StringComparison.Ordinal)]));
}
