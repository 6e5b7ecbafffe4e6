using CsCheck;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using Nym.Sphinx;
using Xunit;

namespace Nym.Protocol.Tests.Packets;

/// <summary>
/// Messages of random sizes go from one client to another through a small in-memory network: split, prepared by
/// <see cref="PacketPreparer"/>, processed by every node, split by the gateway, opened and reassembled by the
/// recipient, with every SURB-ACK coming back to the sender. Replies go back through the attached SURB.
/// </summary>
public sealed class PacketRoundTripTests
{
    private sealed class Client(string gatewayHost)
    {
        public IdentityKeyPair Identity { get; } = IdentityKeyPair.Generate();
        public EncryptionKeyPair Encryption { get; } = EncryptionKeyPair.Generate();
        public AckKey AckKey { get; } = AckKey.Generate();
        public string GatewayHost { get; } = gatewayHost;
        public Dictionary<Bytes32, byte[]> ReplyKeys { get; } = [];
    }

    private sealed class Network
    {
        private readonly Dictionary<Bytes32, SphinxProcessor> _nodes = [];

        public Network()
        {
            var mixes = new List<MixNodeBond>();
            var gateways = new List<GatewayBond>();
            for (int i = 0; i < 6; i++)
            {
                mixes.Add(new MixNodeBond(Coin.Unym(1), Coin.Unym(0), "n1", i % 3 + 1, 1,
                    new MixNodeDescriptor($"10.0.0.{i}", 1789, 1790, 8000, AddNode($"10.0.0.{i}"), IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1", 10), null, null));
            }

            foreach (var host in new[] { "10.0.1.1", "10.0.1.2" })
            {
                gateways.Add(new GatewayBond(Coin.Unym(1), "n1", 1,
                    new GatewayDescriptor(host, 1789, 9000, "here", AddNode(host), IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1"), null));
            }

            Assert.True(NymTopology.TryBuild(mixes, gateways, "1.0.1", null, out var topology, out var error), error);
            Topology = topology!;
        }

        public NymTopology Topology { get; }

        public GatewayNode GatewayAt(string host) => Topology.Gateways.Single(g => g.Host == host);

        private string AddNode(string host)
        {
            var keys = EncryptionKeyPair.Generate();
            _nodes[NymNodeRoutingAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(host), 1789)).ToSphinxAddress()] = new SphinxProcessor(keys.PrivateKey);
            return keys.PublicKeyBase58;
        }

        /// <summary>Carries a packet from its first hop to its final hop; returns the gateway's delivery.</summary>
        public GatewayDelivery Deliver(MixPacket packet)
        {
            var bytes = packet.Packet.ToArray();
            var hop = packet.NextHop.ToSphinxAddress();
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
                Assert.True(GatewayDelivery.TrySplit(block[message], packet.Size, out var delivery, out var error), error);
                return delivery;
            }
        }
    }

    private static PacketPreparer Preparer(Client client, Network network) => new(
        client.Identity.PublicKey, client.Encryption.PublicKey, network.GatewayAt(client.GatewayHost).IdentityKey, client.AckKey, PacketDelays.Default, new Random(1));

    private static Recipient Address(Client client, Network network) =>
        new(client.Identity.PublicKey, client.Encryption.PublicKey, network.GatewayAt(client.GatewayHost).IdentityKey);

    private static ClientPayload Open(Client client, ReadOnlyMemory<byte> pushed) =>
        ClientPayload.Open(pushed.Span, client.AckKey.Bytes, client.Encryption.PrivateKey, digest => client.ReplyKeys.Remove(digest, out var key) ? key : null);

    [Fact]
    public void Messages_arrive_whole_every_fragment_is_acked_and_the_reply_comes_back()
    {
        var network = new Network();
        var gen = Gen.Select(Gen.Int[0, 20_000], Gen.Bool, Gen.Int[0, ReplySurb.MaxReplyLength]);
        gen.Sample((length, withSurb, replyLength) =>
        {
            var alice = new Client("10.0.1.1");
            var bob = new Client("10.0.1.2");
            var message = new byte[length];
            Random.Shared.NextBytes(message);
            var sender = Preparer(alice, network);

            var surbBytes = ReadOnlySpan<byte>.Empty;
            if (withSurb)
            {
                Assert.True(sender.TryCreateReplySurb(network.Topology, out var surb));
                alice.ReplyKeys[surb!.KeyDigest] = surb.EncryptionKey.ToArray();
                surbBytes = surb.ToBytes();
            }

            var split = MessageSplitter.Split(message, surbBytes);
            var pending = new HashSet<FragmentIdentifier>();
            var reassembler = new MessageReassembler();
            ReassembledMessage? received = null;
            foreach (var fragment in split.Fragments.OrderBy(_ => Random.Shared.Next()))
            {
                Assert.True(sender.TryPrepareFragment(network.Topology, fragment, Address(bob, network), PacketSize.Regular, out var packet));
                pending.Add(packet!.FragmentId);
                var delivery = network.Deliver(packet.ToMixPacket());

                var opened = Open(bob, delivery.ClientPayload);
                Assert.Equal(ClientPayloadKind.Fragment, opened.Kind);
                if (reassembler.TryInsert(opened.Content, out var complete) == ReassemblyStatus.Completed)
                {
                    received = complete;
                }

                var ack = network.Deliver(delivery.Ack!.Value);
                var acked = Open(alice, ack.ClientPayload);
                Assert.Equal(ClientPayloadKind.Ack, acked.Kind);
                Assert.True(pending.Remove(acked.AckedFragment));
            }

            Assert.Empty(pending);
            Assert.NotNull(received);
            Assert.Equal(message, received.Message.ToArray());
            Assert.Equal(withSurb, received.HasReplySurb);
            if (!withSurb)
            {
                return;
            }

            Assert.True(ReplySurb.TryParse(received.ReplySurb.Span, out var replySurb, out var error), error);
            var reply = new byte[replyLength];
            Random.Shared.NextBytes(reply);
            Assert.True(Preparer(bob, network).TryPrepareReply(network.Topology, replySurb!, reply, out var replyPacket));
            var replyDelivery = network.Deliver(replyPacket!.ToMixPacket());
            var openedReply = Open(alice, replyDelivery.ClientPayload);
            Assert.Equal(ClientPayloadKind.Reply, openedReply.Kind);
            Assert.Equal(reply, openedReply.Content.ToArray());
            Assert.Empty(alice.ReplyKeys);
        }, iter: 12, threads: 1);
    }

    [Fact]
    public void Loop_cover_returns_to_its_sender_and_is_recognised_as_cover()
    {
        var network = new Network();
        var alice = new Client("10.0.1.1");
        Assert.True(Preparer(alice, network).TryPrepareLoopCover(network.Topology, out var packet));
        var delivery = network.Deliver(packet!.ToMixPacket());
        Assert.Equal(ClientPayloadKind.Cover, Open(alice, delivery.ClientPayload).Kind);
        var ack = Open(alice, network.Deliver(delivery.Ack!.Value).ClientPayload);
        Assert.True(ack.AckedFragment.IsCover);
    }

    [Fact]
    public void A_recipient_whose_gateway_is_not_in_the_topology_cannot_be_reached()
    {
        var network = new Network();
        var alice = new Client("10.0.1.1");
        var stranger = new Recipient(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, IdentityKeyPair.Generate().PublicKey);
        var fragment = MessageSplitter.Split([1, 2, 3]).Fragments[0];
        Assert.False(Preparer(alice, network).TryPrepareFragment(network.Topology, fragment, stranger, PacketSize.Regular, out var packet));
        Assert.Null(packet);
    }

    [Fact]
    public void Random_pushed_payloads_open_without_throwing()
    {
        var alice = new Client("10.0.1.1");
        Gen.Byte.Array[0, 3000].Sample(bytes => { Open(alice, bytes); }, iter: 500);
    }
}
