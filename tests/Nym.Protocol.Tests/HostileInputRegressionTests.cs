using Nym.Protocol.Gateway;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using Nym.Sphinx;
using Xunit;

namespace Nym.Protocol.Tests;

/// <summary>Inputs found by review that once made a Try… API throw or misbehave.</summary>
public sealed class HostileInputRegressionTests
{
    [Theory]
    [InlineData("""{"type":"\ud800"}""")]
    [InlineData("""{"type":"handshakeError","message":"\udc00"}""")]
    [InlineData("""{"type":"error","message":"\ud800\ud800"}""")]
    public void Gateway_text_with_a_lone_surrogate_is_malformed_not_an_exception(string text)
    {
        // Each side either cannot read the string (malformed) or does not know the type; neither throws.
        Assert.False(GatewayText.TryParseFromClient(text, out _, out var clientError));
        Assert.Contains(clientError, new[] { GatewayTextError.MalformedJson, GatewayTextError.UnknownType });
        Assert.False(GatewayText.TryParseFromGateway(text, out _, out var gatewayError));
        Assert.Equal(GatewayTextError.MalformedJson, gatewayError);
    }

    [Fact]
    public void A_reply_surb_whose_first_hop_is_not_a_node_address_is_refused_when_parsed()
    {
        // Right length, but the first hop's version byte is neither 4 nor 6.
        var bytes = new byte[ReplySurb.Length];
        bytes[ReplySurb.KeyLength + SphinxConstants.HeaderLength] = 9;
        Assert.False(ReplySurb.TryParse(bytes, out var surb, out var error));
        Assert.Null(surb);
        Assert.Contains("first hop", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topology_resolver_that_throws_drops_that_bond_only()
    {
        MixNodeBond Mix(int layer, string host) => new(Coin.Unym(1), Coin.Unym(0), "n1", layer, 1,
            new MixNodeDescriptor(host, 1789, 1790, 8000, EncryptionKeyPair.Generate().PublicKeyBase58, IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1", 10), null, null);
        var gateway = new GatewayBond(Coin.Unym(1), "n1", 1,
            new GatewayDescriptor("10.0.0.9", 1789, 9000, "here", EncryptionKeyPair.Generate().PublicKeyBase58, IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1"), null);

        Assert.True(NymTopology.TryBuild(
            [Mix(1, "10.0.0.1"), Mix(1, "unknown.invalid"), Mix(2, "10.0.0.2"), Mix(3, "10.0.0.3")], [gateway], "1.0.1",
            _ => throw new System.Net.Sockets.SocketException(11001), out var topology, out var error), error);
        Assert.Equal(3, topology!.MixNodeCount);
    }

    [Fact]
    public void A_refused_packet_leaves_the_buffer_untouched_and_gets_no_replay_tag()
    {
        var key = EncryptionKeyPair.Generate();
        var builder = new SphinxPacketBuilder(38);
        var packet = new byte[builder.PacketLength];
        builder.Build([new SphinxHop(default, key.PublicKey), new SphinxHop(default, key.PublicKey)], [0, 0], default, [], packet);

        // A valid header over a payload too short for Lioness: refused after the header was read.
        var truncated = packet.AsSpan(0, SphinxConstants.HeaderLength + 32).ToArray();
        var copy = (byte[])truncated.Clone();
        var processor = new SphinxProcessor(key.PrivateKey);
        var refused = processor.Process(truncated, truncated);
        Assert.Equal(SphinxError.PayloadBlockTooSmall, refused.Error);
        Assert.Equal(copy, truncated);
        Assert.Equal(default, refused.ReplayTag);

        // The same packet twice gives the same tag (what the replay filter keys on); another packet another tag.
        var first = processor.Process(packet, new byte[packet.Length]);
        var again = processor.Process(packet, new byte[packet.Length]);
        Assert.Equal(SphinxHopKind.Forward, first.Kind);
        Assert.Equal(first.ReplayTag, again.ReplayTag);
        Assert.NotEqual(default, first.ReplayTag);
        builder.Build([new SphinxHop(default, key.PublicKey), new SphinxHop(default, key.PublicKey)], [0, 0], default, [], packet);
        Assert.NotEqual(first.ReplayTag, processor.Process(packet, new byte[packet.Length]).ReplayTag);
    }
}
