using System.Text.Json.Nodes;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Packets;
using Nym.Sphinx;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Packets;

/// <summary>Every case of nym-packets.json: SURB-ACKs, data, cover and reply packets, from preparation to delivery.</summary>
public sealed class PacketVectorTests
{
    private const string File = "nym-packets.json";

    public static TheoryData<string> AckPayloadCases => VectorFile.CaseNames(File, "ack_payload");
    public static TheoryData<string> AckRecoverInvalidCases => VectorFile.CaseNames(File, "ack_recover_invalid");
    public static TheoryData<string> FragmentPacketCases => VectorFile.CaseNames(File, "fragment_packet");
    public static TheoryData<string> LoopCoverCases => VectorFile.CaseNames(File, "loop_cover_packet");
    public static TheoryData<string> ReplyCases => VectorFile.CaseNames(File, "reply");
    public static TheoryData<string> ReplyErrorCases => VectorFile.CaseNames(File, "reply_error");

    [Theory]
    [MemberData(nameof(AckPayloadCases))]
    public void Ack_payload_is_prepared_and_recovered(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var id = new FragmentIdentifier(c.Inputs["fragment_id"]!["set_id"].Int(), (byte)c.Inputs["fragment_id"]!["position"].Int());
        var payload = new byte[AckPayload.Length];
        AckPayload.Prepare(c.Inputs["ack_key"].Hex(), c.Inputs["ack_iv"].Hex(), id, payload);

        Assert.Equal(c.Expected["fragment_id_bytes"].Str(), id.ToBytes().ToHex());
        Assert.Equal(c.Expected["ack_payload"].Str(), payload.ToHex());
        Assert.True(AckPayload.TryRecover(c.Inputs["ack_key"].Hex(), payload, out var recovered));
        Assert.Equal(id, recovered);
        Assert.Equal((bool)c.Expected["is_cover"]!, recovered.IsCover);
        Assert.Equal((bool)c.Expected["is_reply"]!, recovered.IsReply);
    }

    [Theory]
    [MemberData(nameof(AckRecoverInvalidCases))]
    public void Ack_payload_of_the_wrong_length_is_not_an_ack(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        Assert.True(c.Expected["recovered"].IsNull());
        Assert.False(AckPayload.TryRecover(c.Inputs["ack_key"].Hex(), c.Inputs["data"].Hex(), out _));
    }

    [Theory]
    [MemberData(nameof(FragmentPacketCases))]
    public void Fragment_packet_is_built_routed_split_and_opened(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var nodes = Nodes(c.Inputs);
        var sender = c.Inputs["sender"]!;
        var recipient = Recipient(c.Inputs["recipient"]!);
        var size = c.Inputs["packet_size"].Str() == "ExtendedPacket" ? PacketSize.Extended : PacketSize.Regular;
        var fragmentBytes = c.Inputs["fragment"].Hex();
        Assert.Equal(FragmentParseStatus.Ok, Fragment.TryParse(fragmentBytes, out var fragment));
        var ack = AckInputs(c.Inputs["surb_ack"]!, nodes);

        AssertSurbAck(c.Expected["surb_ack"]!, c.Inputs["ack_key"].Hex(), c.Inputs["surb_ack"]!, Identity(sender), ack);
        AssertEphemeral(c.Expected, c.Inputs["packet"]!["ephemeral_private_key"].Hex(), recipient.EncryptionKey, fragmentBytes, c.Expected["encrypted_fragment"]);

        var packet = PacketBuilder.Fragment(fragmentBytes, recipient, size, fragment.Identifier, c.Inputs["ack_key"].Hex(), Identity(sender), ack,
            Sphinx(c.Inputs["packet"]!, nodes), c.Inputs["packet"]!["ephemeral_private_key"].Hex());

        Assert.Equal(c.Expected["sphinx_packet"].Str(), packet.Packet.ToHex());
        Assert.Equal(c.Expected["first_hop_socket_addr"].Str(), packet.FirstHop.ToString());
        Assert.Equal(c.Expected["total_delay"].U64(), packet.TotalDelayNanoseconds);
        Assert.Equal(c.Expected["mix_packet_bytes"].Str(), packet.ToMixPacket().ToBytes().ToHex());

        var plaintext = Route(c.Expected["hops"]!, nodes, packet.Packet);
        Assert.Equal(c.Expected["sphinx_plaintext"].Str(), plaintext.ToHex());
        var pushed = AssertGateway(c.Expected["gateway"]!, plaintext, size);

        var opened = ClientPayload.Open(pushed.Span, c.Inputs["ack_key"].Hex(), c.Inputs["recipient"]!["encryption_private_key"].Hex(), _ => null);
        Assert.Equal(ClientPayloadKind.Fragment, opened.Kind);
        Assert.Equal(c.Expected["client"]!["recovered_fragment"].Str(), opened.Content.ToArray().ToHex());
        Assert.Equal(FragmentParseStatus.Ok, Fragment.TryParse(opened.Content, out var received));
        var header = c.Expected["client"]!["fragment_header"]!;
        Assert.Equal((header["set_id"].Int(), header["total"].Int(), header["current"].Int()), (received.SetId, received.Total, received.Current));
        Assert.Equal((int?)header["previous_set_id"], received.PreviousSetId);
        Assert.Equal((int?)header["next_set_id"], received.NextSetId);

        AssertAckJourney(c.Expected["ack_journey"]!, nodes, c.Expected["surb_ack"]!["ack_packet"].Hex(), c.Inputs["ack_key"].Hex(), fragment.Identifier);
    }

    [Theory]
    [MemberData(nameof(LoopCoverCases))]
    public void Loop_cover_packet_comes_back_to_its_sender_as_cover(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var nodes = Nodes(c.Inputs);
        var sender = c.Inputs["sender"]!;
        var ack = AckInputs(c.Inputs["surb_ack"]!, nodes);
        var ephemeral = c.Inputs["packet"]!["ephemeral_private_key"].Hex();
        var senderEncryptionKey = Bytes32.From(sender["encryption_public_key"].Hex());

        AssertSurbAck(c.Expected["surb_ack"]!, c.Inputs["ack_key"].Hex(), c.Inputs["surb_ack"]!, Identity(sender), ack);
        AssertEphemeral(c.Expected, ephemeral, senderEncryptionKey, c.Expected["cover_content"].Hex(), c.Expected["encrypted_content"]);

        var packet = PacketBuilder.LoopCover(Identity(sender), senderEncryptionKey, c.Inputs["ack_key"].Hex(), ack, Sphinx(c.Inputs["packet"]!, nodes), ephemeral);
        Assert.Equal(c.Expected["sphinx_packet"].Str(), packet.Packet.ToHex());
        Assert.Equal(c.Expected["first_hop_socket_addr"].Str(), packet.FirstHop.ToString());
        Assert.Equal(c.Expected["mix_packet_bytes"].Str(), packet.ToMixPacket().ToBytes().ToHex());
        Assert.True(packet.FragmentId.IsCover);

        var plaintext = Route(c.Expected["hops"]!, nodes, packet.Packet);
        Assert.Equal(c.Expected["sphinx_plaintext"].Str(), plaintext.ToHex());
        var pushed = AssertGateway(c.Expected["gateway"]!, plaintext, PacketSize.Regular);

        var opened = ClientPayload.Open(pushed.Span, c.Inputs["ack_key"].Hex(), sender["encryption_private_key"].Hex(), _ => null);
        Assert.True((bool)c.Expected["client"]!["is_cover"]!);
        Assert.Equal(ClientPayloadKind.Cover, opened.Kind);

        AssertAckJourney(c.Expected["ack_journey"]!, nodes, c.Expected["surb_ack"]!["ack_packet"].Hex(), c.Inputs["ack_key"].Hex(), FragmentIdentifier.Cover);
    }

    [Theory]
    [MemberData(nameof(ReplyCases))]
    public void Reply_surb_carries_a_reply_back_that_is_recognised_once(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var nodes = Nodes(c.Inputs);
        var original = c.Inputs["original_sender"]!;
        var replier = c.Inputs["replier"]!;
        var surbInputs = c.Inputs["reply_surb"]!;

        var replySurb = ReplySurb.Create(surbInputs["encryption_key"].Hex(), Identity(original), Sphinx(surbInputs, nodes));
        Assert.Equal(c.Expected["reply_surb"].Str(), replySurb.ToBytes().ToHex());
        Assert.Equal(c.Expected["reply_surb_b58"].Str(), replySurb.ToBase58());
        Assert.Equal(c.Expected["reply_key_digest"].Str(), replySurb.KeyDigest.ToArray().ToHex());

        // The replier gets the SURB as base58 text and parses it back.
        Assert.True(ReplySurb.TryParseBase58(c.Expected["reply_surb_b58"].Str(), out var received, out var error), error);
        Assert.True(NymNodeRoutingAddress.TryFromSphinxAddress(received!.Surb.FirstHop, out var surbFirstHop, out _));
        Assert.Equal(c.Expected["surb_first_hop_socket_addr"].Str(), surbFirstHop.ToString());

        var replyId = new FragmentIdentifier(c.Inputs["reply_id"]!["set_id"].Int(), (byte)c.Inputs["reply_id"]!["position"].Int());
        var ack = AckInputs(c.Inputs["surb_ack"]!, nodes);
        AssertSurbAck(c.Expected["surb_ack"]!, c.Inputs["replier_ack_key"].Hex(), c.Inputs["surb_ack"]!, Identity(replier), ack);

        var packet = PacketBuilder.Reply(received, c.Inputs["message"].Hex(), replyId, c.Inputs["replier_ack_key"].Hex(), Identity(replier), ack);
        Assert.Equal(c.Expected["sphinx_packet"].Str(), packet.Packet.ToHex());
        Assert.Equal(c.Expected["mix_packet_bytes"].Str(), packet.ToMixPacket().ToBytes().ToHex());

        var plaintext = Route(c.Expected["hops"]!, nodes, packet.Packet);
        Assert.Equal(c.Expected["sphinx_plaintext"].Str(), plaintext.ToHex());
        var pushed = AssertGateway(c.Expected["gateway"]!, plaintext, PacketSize.Regular);

        // The original sender holds the key under its digest; the key is taken, so a replay is not a reply.
        var store = new Dictionary<Bytes32, byte[]> { [replySurb.KeyDigest] = surbInputs["encryption_key"].Hex() };
        byte[]? Take(Bytes32 digest) => store.Remove(digest, out var key) ? key : null;
        Assert.Equal(c.Expected["original_sender"]!["key_digest_lookup"].Str(), pushed.Span[..32].ToArray().ToHex());
        var opened = ClientPayload.Open(pushed.Span, new byte[16], original["encryption_private_key"].Hex(), Take);
        Assert.Equal(ClientPayloadKind.Reply, opened.Kind);
        Assert.Equal(c.Expected["original_sender"]!["recovered_message"].Str(), opened.Content.ToArray().ToHex());
        Assert.NotEqual(ClientPayloadKind.Reply, ClientPayload.Open(pushed.Span, new byte[16], original["encryption_private_key"].Hex(), Take).Kind);

        AssertAckJourney(c.Expected["ack_journey"]!, nodes, c.Expected["surb_ack"]!["ack_packet"].Hex(), c.Inputs["replier_ack_key"].Hex(), replyId);
    }

    [Theory]
    [MemberData(nameof(ReplyErrorCases))]
    public void Reply_longer_than_1610_bytes_is_refused(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        Assert.Equal(ReplySurb.MaxReplyLength, c.Expected["max_message_length"].Int());
        var topology = Nodes(VectorFile.Open(File).Case("reply_surb_and_reply").Inputs);
        var hops = topology.Values.Take(4).Select(n => n.Hop).ToArray();
        var sphinx = new SphinxInputs(hops, [0, 0, 0, 0], new byte[32], new byte[SphinxConstants.FinalHopPaddingLength(4)]);
        var surb = ReplySurb.Create(new byte[16], default, sphinx);
        Assert.Throws<ArgumentException>(() =>
            PacketBuilder.Reply(surb, new byte[c.Inputs["message_length"].Int()], FragmentIdentifier.NewReply(), new byte[16], default, new SurbAckInputs(sphinx, new byte[16])));
    }

    private sealed record Node(string Name, SphinxHop Hop, byte[] PrivateKey);

    private static Dictionary<string, Node> Nodes(JsonNode inputs) => inputs["topology"].Items().ToDictionary(
        n => n["name"].Str(),
        n => new Node(n["name"].Str(), new SphinxHop(Bytes32.From(n["sphinx_address"].Hex()), Bytes32.From(n["sphinx_public_key"].Hex())), n["sphinx_private_key"].Hex()));

    private static SphinxInputs Sphinx(JsonNode inputs, Dictionary<string, Node> nodes) => new(
        inputs["route"].Items().Select(n => nodes[n.Str()].Hop).ToArray(),
        inputs["delays"].Items().Select(d => d.U64()).ToArray(),
        inputs["initial_secret"].Hex(),
        inputs["final_hop_padding"].Hex());

    private static SurbAckInputs AckInputs(JsonNode inputs, Dictionary<string, Node> nodes) => new(Sphinx(inputs, nodes), inputs["ack_iv"].Hex());

    private static Bytes32 Identity(JsonNode client) => Bytes32.From(client["identity_public_key"].Hex());

    private static Recipient Recipient(JsonNode client)
    {
        Assert.True(Nym.Protocol.Addressing.Recipient.TryParse(client["address"].Str(), out var recipient, out var error), error?.ToString());
        Assert.Equal(client["address_bytes"].Str(), recipient!.ToBytes().ToHex());
        return recipient;
    }

    private static void AssertSurbAck(JsonNode expected, byte[] ackKey, JsonNode inputs, Bytes32 sender, SurbAckInputs ack)
    {
        Assert.True(FragmentIdentifier.TryParse(inputs["fragment_id_bytes"].Hex(), out var id));
        var payload = new byte[AckPayload.Length];
        AckPayload.Prepare(ackKey, ack.AckIv, id, payload);
        Assert.Equal(expected["ack_payload"].Str(), payload.ToHex());

        var surbAck = new byte[SurbAck.Length];
        ulong delay = SurbAck.Build(ackKey, id, sender, ack.Sphinx, ack.AckIv, surbAck);
        Assert.Equal(expected["surb_ack_bytes"].Str(), surbAck.ToHex());
        Assert.Equal(expected["ack_packet"].Str(), surbAck.AsSpan(SurbAck.FirstHopLength).ToArray().ToHex());
        Assert.Equal(expected["expected_delay"].U64(), delay);
        Assert.True(NymNodeRoutingAddress.TryParse(surbAck.AsSpan(0, SurbAck.FirstHopLength), out var firstHop, out _));
        Assert.Equal(expected["first_hop_socket_addr"].Str(), firstHop.ToString());
    }

    private static void AssertEphemeral(JsonNode expected, byte[] ephemeralPrivateKey, Bytes32 encryptionKey, byte[] content, JsonNode? encrypted)
    {
        var output = new byte[EphemeralEncryption.PublicKeyLength + content.Length];
        EphemeralEncryption.Encrypt(ephemeralPrivateKey, encryptionKey.AsReadOnlySpan(), content, output);
        Assert.Equal(expected["ephemeral_public_key"].Str(), output.AsSpan(0, 32).ToArray().ToHex());
        Assert.Equal(encrypted.Str(), output.AsSpan(32).ToArray().ToHex());
    }

    /// <summary>Processes the packet hop by hop and returns the recovered plaintext at the final hop.</summary>
    private static byte[] Route(JsonNode hops, Dictionary<string, Node> nodes, byte[] packet)
    {
        var current = (byte[])packet.Clone();
        foreach (var hop in hops.Items())
        {
            var result = new SphinxProcessor(nodes[hop["node"].Str()].PrivateKey).Process(current, current);
            Assert.Equal(hop["shared_secret"].Str(), result.SharedSecret.ToArray().ToHex());
            if (hop["result"].Str() == "forward")
            {
                Assert.Equal(SphinxHopKind.Forward, result.Kind);
                Assert.Equal(hop["next_hop_address"].Str(), result.Address.ToArray().ToHex());
                Assert.Equal(hop["delay"].U64(), result.DelayNanoseconds);
                Assert.Equal(hop["next_packet"].Str(), current.ToHex());
                Assert.True(NymNodeRoutingAddress.TryFromSphinxAddress(result.Address, out var next, out _));
                Assert.Equal(hop["next_hop_socket_addr"].Str(), next.ToString());
                continue;
            }

            Assert.Equal(SphinxHopKind.Final, result.Kind);
            Assert.Equal(hop["destination"].Str(), result.Address.ToArray().ToHex());
            var block = current.AsSpan(0, result.OutputLength);
            Assert.Equal(hop["payload"].Str(), block.ToArray().ToHex());
            Assert.True(SphinxPayload.TryRecoverPlaintext(block, out var message, out var error), error?.ToString());
            return block[message].ToArray();
        }

        Assert.Fail("The route has no final hop.");
        return [];
    }

    private static ReadOnlyMemory<byte> AssertGateway(JsonNode expected, byte[] plaintext, PacketSize size)
    {
        Assert.True(GatewayDelivery.TrySplit(plaintext, size, out var delivery, out var error), error);
        var ack = delivery.Ack!.Value;
        Assert.Equal(expected["forward_ack_next_hop_socket_addr"].Str(), ack.NextHop.ToString());
        Assert.Equal(expected["forward_ack_packet"].Str(), ack.Packet.ToArray().ToHex());
        if (expected["forward_ack_mix_packet_bytes"] is { } mixPacket)
        {
            Assert.Equal(mixPacket.Str(), ack.ToBytes().ToHex());
        }

        Assert.Equal(expected["pushed_to_client"].Str(), delivery.ClientPayload.ToArray().ToHex());
        return delivery.ClientPayload;
    }

    private static void AssertAckJourney(JsonNode expected, Dictionary<string, Node> nodes, byte[] ackPacket, byte[] ackKey, FragmentIdentifier id)
    {
        var plaintext = Route(expected["hops"]!, nodes, ackPacket);
        Assert.True(GatewayDelivery.TrySplit(plaintext, PacketSize.Ack, out var delivery, out _));
        Assert.Null(delivery.Ack);
        Assert.Equal(expected["pushed_to_sender"].Str(), delivery.ClientPayload.ToArray().ToHex());

        var opened = ClientPayload.Open(delivery.ClientPayload.Span, ackKey, new byte[32], _ => null);
        Assert.Equal(ClientPayloadKind.Ack, opened.Kind);
        Assert.Equal(expected["recovered_fragment_id"].Str(), opened.AckedFragment.ToBytes().ToHex());
        Assert.Equal(id, opened.AckedFragment);
    }
}
