using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Nym.Crypto.V1;
using Nym.KeyStore.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using Nym.Sphinx;
using Xunit;
using PreparedPacket = Nym.Crypto.V1.PreparedPacket;

namespace Nym.Crypto.Tests;

/// <summary>
/// Nodes whose Sphinx keys the test holds, so that it can carry the crypto service's packets to their final hop
/// without sockets and get exactly the payload the gateway would push (nym-mixnet.md §1, §2.3).
/// </summary>
internal sealed class KnownKeysNetwork
{
    private readonly Dictionary<Bytes32, SphinxProcessor> _nodes = [];

    public KnownKeysNetwork()
    {
        var none = Coin.Unym(0);
        var mixes = Enumerable.Range(1, 3).Select(layer => new MixNodeBond(none, none, "", layer, 0,
            new MixNodeDescriptor($"10.0.0.{layer}", 1789, 1790, 8000, AddNode($"10.0.0.{layer}"), IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1", 10), null, null));
        var gateways = new[]
        {
            new GatewayBond(none, "", 0, new GatewayDescriptor("10.0.0.9", 1789, 9000, "here", AddNode("10.0.0.9"), Gateway.PublicKeyBase58, "1.0.1"), null),
        };
        Assert.True(NymTopology.TryBuild(mixes, gateways, "1.0.1", null, out var topology, out var error), error);
        Topology = topology!;
    }

    public IdentityKeyPair Gateway { get; } = IdentityKeyPair.Generate();

    public NymTopology Topology { get; }

    /// <summary>What the gateway at the end of the packet's route pushes to its client.</summary>
    public byte[] Deliver(PreparedPacket packet)
    {
        Assert.True(NymNodeRoutingAddress.TryParse(packet.FirstHop.Span, out var first, out _));
        var hop = first.ToSphinxAddress();
        var bytes = packet.SphinxPacket.ToByteArray();
        while (true)
        {
            var result = _nodes[hop].Process(bytes, bytes);
            if (result.Kind == SphinxHopKind.Forward)
            {
                hop = result.Address;
                continue;
            }

            Assert.Equal(SphinxHopKind.Final, result.Kind);
            var block = bytes.AsMemory(0, result.OutputLength);
            Assert.True(SphinxPayload.TryRecoverPlaintext(block.Span, out var message, out _));
            Assert.True(GatewayDelivery.TrySplit(block[message], PacketSize.Regular, out var delivery, out var error), error);
            return delivery.ClientPayload.ToArray();
        }
    }

    private string AddNode(string host)
    {
        var keys = EncryptionKeyPair.Generate();
        _nodes[NymNodeRoutingAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(host), 1789)).ToSphinxAddress()] = new SphinxProcessor(keys.PrivateKey);
        return keys.PublicKeyBase58;
    }
}

/// <summary>
/// Two crypto replicas sharing one KeyStore (as the AppHost runs them): a reply is recognised once and only once,
/// whichever replica each copy reaches, because the KeyStore, not a replica's memory, knows which keys were taken.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private const string ClientId = "alice";
    private readonly KnownKeysNetwork _network = new();
    private KeyStoreHost _keyStore = null!;
    private CryptoHost _first = null!;
    private CryptoHost _second = null!;
    private string _address = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _keyStore = await KeyStoreHost.StartAsync();
        var topology = new FixedTopology(_network.Topology);
        _first = await CryptoHost.StartAsync(_keyStore.Url, topology);
        _second = await CryptoHost.StartAsync(_keyStore.Url, topology);
        _address = (await _keyStore.CreateRegisteredClientAsync(ClientId, _network.Gateway.PublicKey)).Address;
    }

    public async ValueTask DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _keyStore.DisposeAsync();
    }

    private static async Task<OpenedPayload> OpenAsync(CryptoHost replica, byte[] payload) =>
        Assert.Single((await replica.Client.OpenPayloadsAsync(
            new OpenPayloadsRequest { ClientId = ClientId, Payloads = { ByteString.CopyFrom(payload) } }, cancellationToken: Token)).Payloads);

    private async Task<PreparedPacket> PrepareToSelfAsync(CryptoHost replica, string message, bool withReplySurb)
    {
        using var call = replica.Client.PrepareMessage(new PrepareMessageRequest
        {
            ClientId = ClientId, Recipient = _address, Message = ByteString.CopyFromUtf8(message), WithReplySurb = withReplySurb,
        }, cancellationToken: Token);
        return Assert.Single(await call.ResponseStream.ReadAllAsync(Token).ToListAsync(Token));
    }

    /// <summary>alice sends herself a message with a reply SURB through the first replica, then replies through the
    /// SURB via <paramref name="replying"/>: the reply payload her gateway would push.</summary>
    private async Task<byte[]> DeliveredReplyAsync(CryptoHost replying, string text)
    {
        var packet = await PrepareToSelfAsync(_first, "hello", withReplySurb: true);
        Assert.Equal(ReassemblyStatus.Completed, new MessageReassembler().TryInsert(packet.Fragment.Memory, out var message));
        var reply = await replying.Client.PrepareReplyAsync(new PrepareReplyRequest
        {
            ClientId = ClientId, ReplySurb = ByteString.CopyFrom(message!.ReplySurb.Span), Message = ByteString.CopyFromUtf8(text),
        }, cancellationToken: Token);
        return _network.Deliver(reply);
    }

    [Fact]
    public async Task A_reply_pushed_twice_opens_as_a_reply_on_one_replica_and_as_dropped_on_the_other()
    {
        var pushed = await DeliveredReplyAsync(_second, "a reply");

        var once = await OpenAsync(_first, pushed);
        var twice = await OpenAsync(_second, pushed);
        var thrice = await OpenAsync(_first, pushed);

        Assert.Equal(OpenedPayload.KindOneofCase.Reply, once.KindCase);
        Assert.Equal("a reply", once.Reply.ToStringUtf8());
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, twice.KindCase);
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, thrice.KindCase);
    }

    [Fact]
    public async Task A_repeated_reply_that_would_parse_as_a_fragment_is_dropped_by_the_other_replica()
    {
        // The case a replica's own memory missed: a repeat, at a replica that never saw the first copy, whose bytes
        // decrypt as a valid fragment. Made certain here: a real fragment payload, and a reply key stored under its
        // first 32 bytes (as if one of alice's SURB keys had that digest).
        var pushed = _network.Deliver(await PrepareToSelfAsync(_first, "looks like a fragment", withReplySurb: false));
        Assert.Equal(OpenedPayload.KindOneofCase.Fragment, (await OpenAsync(_second, pushed)).KindCase);
        await _keyStore.Client.StoreReplyKeysAsync(new StoreReplyKeysRequest
        {
            ClientId = ClientId,
            Keys = { new ReplyKey { Digest = ByteString.CopyFrom(pushed, 0, ReplySurb.DigestLength), Key = ByteString.CopyFrom(new byte[ReplySurb.KeyLength]) } },
        }, cancellationToken: Token);

        var once = await OpenAsync(_first, pushed);
        var twice = await OpenAsync(_second, pushed);

        // Opened with the key (a reply of garbage, or dropped when nothing ends its padding), never a fragment.
        Assert.NotEqual(OpenedPayload.KindOneofCase.Fragment, once.KindCase);
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, twice.KindCase);
    }

    [Fact]
    public async Task A_reply_pushed_twice_in_one_batch_opens_once()
    {
        var pushed = ByteString.CopyFrom(await DeliveredReplyAsync(_first, "one reply"));

        var opened = await _second.Client.OpenPayloadsAsync(new OpenPayloadsRequest { ClientId = ClientId, Payloads = { pushed, pushed } }, cancellationToken: Token);

        Assert.Equal([OpenedPayload.KindOneofCase.Reply, OpenedPayload.KindOneofCase.Dropped], opened.Payloads.Select(p => p.KindCase));
        Assert.Equal("one reply", opened.Payloads[0].Reply.ToStringUtf8());
    }

    [Fact]
    public async Task A_retried_batch_opens_its_reply_again_on_any_replica_and_another_batch_finds_it_taken()
    {
        var pushed = ByteString.CopyFrom(await DeliveredReplyAsync(_first, "one reply"));
        var batchId = ByteString.CopyFrom(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var otherBatch = ByteString.CopyFrom(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

        // The first attempt's response is as good as lost (the client never saw it): the retry, with the same batch id,
        // on the other replica, must still get the reply. A different batch is a reply that came again.
        var first = await _first.Client.OpenPayloadsAsync(new OpenPayloadsRequest { ClientId = ClientId, BatchId = batchId, Payloads = { pushed } }, cancellationToken: Token);
        var retried = await _second.Client.OpenPayloadsAsync(new OpenPayloadsRequest { ClientId = ClientId, BatchId = batchId, Payloads = { pushed } }, cancellationToken: Token);
        var another = await _second.Client.OpenPayloadsAsync(new OpenPayloadsRequest { ClientId = ClientId, BatchId = otherBatch, Payloads = { pushed } }, cancellationToken: Token);

        Assert.Equal("one reply", Assert.Single(first.Payloads).Reply.ToStringUtf8());
        Assert.Equal("one reply", Assert.Single(retried.Payloads).Reply.ToStringUtf8());
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, Assert.Single(another.Payloads).KindCase);
    }
}
