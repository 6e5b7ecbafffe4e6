using System.Security.Cryptography;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Sphinx;

namespace Nym.Protocol.Packets;

/// <summary>The explicit inputs of a SURB-ACK: its Sphinx randomness and the IV of its payload.</summary>
public sealed record SurbAckInputs(SphinxInputs Sphinx, byte[] AckIv);

/// <summary>
/// Builds Nym's packets from fully explicit inputs (nym-mixnet.md §2.2, §3, §4), so every byte can be checked
/// against the vectors. <see cref="PacketPreparer"/> draws those inputs for real traffic.
/// <para>Sphinx plaintext of a data or cover packet: SURB-ACK(405) ‖ g^e(32) ‖ AES-CTR(k, fragment).
/// Of a reply: SURB-ACK(405) ‖ BLAKE3(reply key)(32) ‖ AES-CTR(reply key, message ‖ 0x01 ‖ 0x00*).</para>
/// </summary>
public static class PacketBuilder
{
    /// <summary>The loop cover content (§3): "The cake is a lie!" then the usual 0x01 ‖ 0x00* padding.</summary>
    public static ReadOnlySpan<byte> CoverMarker => "The cake is a lie!"u8;

    /// <summary>The Sphinx builder for a packet size (payload 2065, 38 or 32785 bytes).</summary>
    internal static SphinxPacketBuilder SphinxBuilder(PacketSize size) => Builders[(int)size - 1];

    private static readonly SphinxPacketBuilder[] Builders =
        [new(PacketSize.Regular.PayloadLength()), new(PacketSize.Ack.PayloadLength()), new(PacketSize.Extended.PayloadLength())];

    /// <summary>A fragment for <paramref name="recipient"/>, with its SURB-ACK back to the sender's gateway.</summary>
    public static PreparedPacket Fragment(
        ReadOnlySpan<byte> fragment, Recipient recipient, PacketSize size, FragmentIdentifier fragmentId,
        ReadOnlySpan<byte> ackKey, in Bytes32 senderIdentity, SurbAckInputs ack, SphinxInputs sphinx, ReadOnlySpan<byte> ephemeralPrivateKey) =>
        Forward(fragment, recipient.Identity, recipient.EncryptionKey, size, fragmentId, ackKey, senderIdentity, ack, sphinx, ephemeralPrivateKey);

    /// <summary>A loop cover packet: to the sender itself, indistinguishable from a data packet on the wire.</summary>
    public static PreparedPacket LoopCover(
        in Bytes32 senderIdentity, in Bytes32 senderEncryptionKey, ReadOnlySpan<byte> ackKey, SurbAckInputs ack, SphinxInputs sphinx,
        ReadOnlySpan<byte> ephemeralPrivateKey)
    {
        var content = new byte[FragmentLayout.RegularPlaintextPerFragment];
        CoverMarker.CopyTo(content);
        content[CoverMarker.Length] = 1;
        return Forward(content, senderIdentity, senderEncryptionKey, PacketSize.Regular, FragmentIdentifier.Cover, ackKey, senderIdentity, ack, sphinx, ephemeralPrivateKey);
    }

    /// <summary>
    /// A reply through <paramref name="replySurb"/> (at most <see cref="ReplySurb.MaxReplyLength"/> bytes), with the
    /// replier's own SURB-ACK for <paramref name="replyId"/>. Reply packets are never retransmitted (§4).
    /// </summary>
    public static PreparedPacket Reply(
        ReplySurb replySurb, ReadOnlySpan<byte> message, FragmentIdentifier replyId, ReadOnlySpan<byte> replierAckKey,
        in Bytes32 replierIdentity, SurbAckInputs ack)
    {
        if (message.Length > ReplySurb.MaxReplyLength)
        {
            throw new ArgumentException($"A reply carries at most {ReplySurb.MaxReplyLength} bytes, not {message.Length}.", nameof(message));
        }

        if (!NymNodeRoutingAddress.TryFromSphinxAddress(replySurb.Surb.FirstHop, out var firstHop, out var error))
        {
            throw new ArgumentException($"The reply SURB's first hop is not a node address ({error}).", nameof(replySurb));
        }

        var plaintext = new byte[PacketSize.Regular.PlaintextLength()];
        ulong ackDelay = SurbAck.Build(replierAckKey, replyId, replierIdentity, ack.Sphinx, ack.AckIv, plaintext);
        replySurb.KeyDigest.AsReadOnlySpan().CopyTo(plaintext.AsSpan(SurbAck.Length));

        var content = plaintext.AsSpan(SurbAck.Length + ReplySurb.DigestLength);
        message.CopyTo(content);
        content[message.Length] = 1;
        Sphinx.Crypto.Aes128Ctr.Transform(replySurb.EncryptionKey, Sphinx.Crypto.Aes128Ctr.ZeroIv, content, content);

        var packet = new byte[PacketSize.Regular.PacketLength()];
        replySurb.Surb.UseWith(plaintext, packet);
        return new PreparedPacket(firstHop, packet, replyId, ackDelay);
    }

    private static PreparedPacket Forward(
        ReadOnlySpan<byte> content, in Bytes32 destination, in Bytes32 encryptionKey, PacketSize size, FragmentIdentifier fragmentId,
        ReadOnlySpan<byte> ackKey, in Bytes32 senderIdentity, SurbAckInputs ack, SphinxInputs sphinx, ReadOnlySpan<byte> ephemeralPrivateKey)
    {
        if (size == PacketSize.Ack)
        {
            throw new ArgumentException("Fragments travel in regular or extended packets.", nameof(size));
        }

        int plaintextLength = size.PlaintextLength();
        if (content.Length != plaintextLength - SurbAck.Length - EphemeralEncryption.PublicKeyLength)
        {
            throw new ArgumentException($"A {size} packet carries {plaintextLength - SurbAck.Length - EphemeralEncryption.PublicKeyLength}-byte fragments, not {content.Length}.", nameof(content));
        }

        var plaintext = new byte[plaintextLength];
        ulong ackDelay = SurbAck.Build(ackKey, fragmentId, senderIdentity, ack.Sphinx, ack.AckIv, plaintext);
        EphemeralEncryption.Encrypt(ephemeralPrivateKey, encryptionKey.AsReadOnlySpan(), content, plaintext.AsSpan(SurbAck.Length));

        var packet = new byte[size.PacketLength()];
        sphinx.Build(SphinxBuilder(size), new SphinxDestination(destination, default), plaintext, packet);
        CryptographicOperations.ZeroMemory(plaintext);

        if (!NymNodeRoutingAddress.TryFromSphinxAddress(sphinx.Route[0].Address, out var firstHop, out var error))
        {
            throw new ArgumentException($"The route's first hop is not a node address ({error}).", nameof(sphinx));
        }

        return new PreparedPacket(firstHop, packet, fragmentId, sphinx.MixDelay + ackDelay);
    }
}
