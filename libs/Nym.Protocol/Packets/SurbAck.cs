using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Sphinx;

namespace Nym.Protocol.Packets;

/// <summary>
/// A SURB-ACK (nym-mixnet.md §2.4): a complete ack-size Sphinx packet, routed through three mixes to the sender's own
/// gateway and addressed to the sender, carrying the encrypted id of the fragment it acknowledges. It rides in the
/// first 405 bytes of the data packet's plaintext:
/// <code>
/// [0..19)    first hop of the ack (NymNodeRoutingAddress, zero-padded to 19)
/// [19..405)  the ack packet (386 bytes: header 348 ‖ payload 38)
/// </code>
/// </summary>
public static class SurbAck
{
    public const int FirstHopLength = 19;
    public static readonly int PacketLength = PacketSize.Ack.PacketLength();
    public static readonly int Length = FirstHopLength + PacketLength;

    /// <summary>
    /// Writes the 405-byte SURB-ACK for <paramref name="id"/> into <paramref name="output"/> and returns the delay the
    /// ack is expected to spend in the mixes.
    /// </summary>
    public static ulong Build(
        ReadOnlySpan<byte> ackKey, FragmentIdentifier id, in Bytes32 senderIdentity, SphinxInputs sphinx, ReadOnlySpan<byte> ackIv, Span<byte> output)
    {
        Span<byte> payload = stackalloc byte[AckPayload.Length];
        AckPayload.Prepare(ackKey, ackIv, id, payload);

        // The Sphinx node address is the routing address zero-padded to 32, so its first 19 bytes are the 19-byte form.
        sphinx.Route[0].Address.AsReadOnlySpan()[..FirstHopLength].CopyTo(output);
        sphinx.Build(PacketBuilder.SphinxBuilder(PacketSize.Ack), new SphinxDestination(senderIdentity, default), payload, output.Slice(FirstHopLength, PacketLength));
        return sphinx.MixDelay;
    }
}
