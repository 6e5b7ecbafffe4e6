using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Nym.Crypto.V1;
using Nym.KeyStore.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Packets;
using Nym.TestNetwork;
using Xunit;
using PreparedPacket = Nym.Crypto.V1.PreparedPacket;

namespace Nym.Crypto.Tests;

/// <summary>
/// Packets prepared by the service cross REAL mix nodes and a gateway (<see cref="Network"/>), and what the gateway
/// pushes is opened by the service again. The service watches the real nym-api for its topology, as the exe does.
/// The client is a <see cref="TestClient"/> whose keys the KeyStore holds in Nym's layout.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class EndToEndTests(Network network) : IAsyncLifetime
{
    private const string ClientId = "alice";
    private KeyStoreHost _keyStore = null!;
    private CryptoHost _crypto = null!;
    private TestClient _client = null!;
    private GatewayConnection _connection = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _keyStore = await KeyStoreHost.StartAsync();
        _crypto = await CryptoHost.StartAsync(_keyStore.Url, topology: null, topologyUrl: network.Topology.GrpcUri);
        _client = new TestClient(network);
        _keyStore.Adopt(ClientId, _client);
        (_connection, _) = await _client.RegisterAsync();
        var shared = _client.SharedKeys!;
        await _keyStore.Client.SetGatewayKeysAsync(new SetGatewayKeysRequest
        {
            ClientId = ClientId,
            GatewayIdentityKey = ByteString.CopyFrom(network.GatewayKeys.Identity.PublicKey.AsReadOnlySpan()),
            SharedKeys = ByteString.CopyFrom([.. shared.EncryptionKey, .. shared.MacKey]),
        }, cancellationToken: Token);

        // The watcher has the topology once cover can be prepared.
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await _crypto.Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = ClientId, Count = 1 }, cancellationToken: Token);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return false;
            }
        }, "the crypto service to see the network's topology through nym-api");
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        await _crypto.DisposeAsync();
        await _keyStore.DisposeAsync();
    }

    private static readonly PacketTiming NoDelay = new();

    private async Task SendAsync(IEnumerable<PreparedPacket> packets)
    {
        foreach (var packet in packets)
        {
            Assert.True(NymNodeRoutingAddress.TryParse(packet.FirstHop.Span, out var firstHop, out var error), error.ToString());
            var mix = new MixPacket(PacketMode.Mix, firstHop, packet.SphinxPacket.Memory);
            await _connection.SendBinaryAsync(_client.Frame(mix.ToBytes()));
        }
    }

    /// <summary>The next <paramref name="count"/> payloads the gateway pushes, opened by the service in one batch.</summary>
    private async Task<(List<ByteString> Payloads, List<OpenedPayload> Opened)> ReceiveAsync(int count)
    {
        var payloads = new List<ByteString>();
        while (payloads.Count < count)
        {
            var frame = Assert.IsType<BinaryFrame>(await _connection.NextAsync(TimeSpan.FromSeconds(30)));
            payloads.Add(ByteString.CopyFrom(_client.Decrypt(frame.Data)));
        }

        var opened = await _crypto.Client.OpenPayloadsAsync(new OpenPayloadsRequest { ClientId = ClientId, Payloads = { payloads } }, cancellationToken: Token);
        Assert.Equal(count, opened.Payloads.Count);
        return (payloads, opened.Payloads.ToList());
    }

    [Fact]
    public async Task A_message_with_a_reply_surb_crosses_the_mixnet_and_opens_into_itself_with_every_ack_and_one_reply()
    {
        var message = new byte[5000];
        Random.Shared.NextBytes(message);
        using var call = _crypto.Client.PrepareMessage(new PrepareMessageRequest
        {
            ClientId = ClientId, Recipient = _client.Address.ToBase58String(), Message = ByteString.CopyFrom(message), WithReplySurb = true, Timing = NoDelay,
        }, cancellationToken: Token);
        var packets = await call.ResponseStream.ReadAllAsync(Token).ToListAsync(Token);
        await SendAsync(packets);

        // Each packet comes back twice: its fragment (to us, the recipient) and its SURB-ACK (to us, the sender).
        var (_, opened) = await ReceiveAsync(2 * packets.Count);
        var acks = opened.Where(p => p.KindCase == OpenedPayload.KindOneofCase.Ack).Select(p => p.Ack).ToHashSet();
        Assert.Equal(packets.Select(p => p.FragmentId).ToHashSet(), acks);
        var reassembler = new MessageReassembler();
        ReassembledMessage? whole = null;
        foreach (var fragment in opened.Where(p => p.KindCase == OpenedPayload.KindOneofCase.Fragment))
        {
            if (reassembler.TryInsert(fragment.Fragment.Memory, out var done) == ReassemblyStatus.Completed)
            {
                whole = done;
            }
        }

        Assert.NotNull(whole);
        Assert.Equal(message, whole.Message.ToArray());
        Assert.True(whole.HasReplySurb);

        // The recipient (here the same client) replies through the SURB; the reply opens once and only once.
        var reply = await _crypto.Client.PrepareReplyAsync(new PrepareReplyRequest
        {
            ClientId = ClientId, ReplySurb = ByteString.CopyFrom(whole.ReplySurb.Span), Message = ByteString.CopyFromUtf8("a reply"),
        }, cancellationToken: Token);
        await SendAsync([reply]);

        // The reply and the replier's own SURB-ACK for it.
        var (payloads, openedReply) = await ReceiveAsync(2);
        int index = openedReply.FindIndex(p => p.KindCase == OpenedPayload.KindOneofCase.Reply);
        Assert.True(index >= 0, $"no reply among {string.Join(", ", openedReply.Select(p => p.KindCase))}");
        Assert.Equal("a reply", openedReply[index].Reply.ToStringUtf8());
        Assert.Contains(openedReply, p => p.KindCase == OpenedPayload.KindOneofCase.Ack && p.Ack == reply.FragmentId);

        var again = await _crypto.Client.OpenPayloadsAsync(new OpenPayloadsRequest { ClientId = ClientId, Payloads = { payloads[index] } }, cancellationToken: Token);
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, Assert.Single(again.Payloads).KindCase);
    }

    [Fact]
    public async Task Cover_and_retransmitted_fragments_cross_the_mixnet_too()
    {
        var cover = await _crypto.Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = ClientId, Count = 3, Timing = NoDelay }, cancellationToken: Token);
        using var call = _crypto.Client.PrepareMessage(new PrepareMessageRequest
        {
            ClientId = ClientId, Recipient = _client.Address.ToBase58String(), Message = ByteString.CopyFromUtf8("once more"), Timing = NoDelay,
        }, cancellationToken: Token);
        var original = Assert.Single(await call.ResponseStream.ReadAllAsync(Token).ToListAsync(Token));
        var retransmitted = await _crypto.Client.RePrepareFragmentsAsync(new RePrepareFragmentsRequest
        {
            ClientId = ClientId, Timing = NoDelay, Fragments = { new Retransmission { Recipient = _client.Address.ToBase58String(), Fragment = original.Fragment } },
        }, cancellationToken: Token);

        // Only the retransmission is sent, as if the original had been lost.
        await SendAsync([.. cover.Packets, Assert.Single(retransmitted.Results).Packet]);
        var (_, opened) = await ReceiveAsync(2 * 3 + 2);

        Assert.Equal(3, opened.Count(p => p.KindCase == OpenedPayload.KindOneofCase.Dropped));
        Assert.Equal(original.Fragment, Assert.Single(opened, p => p.KindCase == OpenedPayload.KindOneofCase.Fragment).Fragment);
        var acks = opened.Where(p => p.KindCase == OpenedPayload.KindOneofCase.Ack).Select(p => p.Ack).ToList();
        Assert.Contains(original.FragmentId, acks);
        Assert.Equal(3, acks.Count(a => a == ByteString.CopyFrom(new byte[5])));
    }
}
