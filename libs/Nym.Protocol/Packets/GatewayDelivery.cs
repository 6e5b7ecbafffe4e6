using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;

namespace Nym.Protocol.Packets;

/// <summary>What a gateway does with a final-hop payload: an ack to send on at once, and bytes for its client.</summary>
public readonly record struct GatewayDelivery(MixPacket? Ack, ReadOnlyMemory<byte> ClientPayload)
{
    /// <summary>
    /// Splits the recovered plaintext of a final-hop packet (nym-mixnet.md §2.4, §6). Regular and extended packets
    /// start with a SURB-ACK: its first hop (19 bytes) and ack packet (386) are forwarded, the rest goes to the
    /// client (1643 bytes for a regular packet). Ack packets are not split: all 21 bytes go to the client.
    /// Never throws; false when the plaintext is too short or the ack's first hop is not a node address.
    /// </summary>
    public static bool TrySplit(ReadOnlyMemory<byte> plaintext, PacketSize size, out GatewayDelivery delivery, out string error)
    {
        delivery = default;
        if (size == PacketSize.Ack)
        {
            delivery = new GatewayDelivery(null, plaintext);
            error = "";
            return true;
        }

        if (plaintext.Length < SurbAck.Length)
        {
            error = $"the payload has {plaintext.Length} bytes, fewer than a SURB-ACK's {SurbAck.Length}";
            return false;
        }

        if (!NymNodeRoutingAddress.TryParse(plaintext.Span[..SurbAck.FirstHopLength], out var firstHop, out var addressError))
        {
            error = $"the SURB-ACK's first hop is malformed ({addressError})";
            return false;
        }

        var ack = new MixPacket(PacketMode.Mix, firstHop, plaintext[SurbAck.FirstHopLength..SurbAck.Length]);
        delivery = new GatewayDelivery(ack, plaintext[SurbAck.Length..]);
        error = "";
        return true;
    }
}
