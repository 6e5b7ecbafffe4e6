using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;

namespace Nym.Client.Core;

/// <summary>
/// A packet ready for the gateway: the ForwardSphinx plaintext (<c>mode ‖ first hop ‖ Sphinx packet</c>,
/// nym-mixnet.md §5.4), and for a message fragment its id and the expected delay its ack timeout grows from.
/// </summary>
internal sealed record OutgoingPacket(byte[] MixPacket, FragmentIdentifier? Fragment, TimeSpan ExpectedDelay)
{
    /// <summary>
    /// From the crypto service's PreparedPacket; false when the service sent something that is not a packet (then
    /// nothing is sent rather than garbage).
    /// </summary>
    public static bool TryFrom(Nym.Crypto.V1.PreparedPacket prepared, bool tracked, out OutgoingPacket? packet)
    {
        packet = null;
        if (!NymNodeRoutingAddress.TryParse(prepared.FirstHop.Span, out var firstHop, out _)
            || !PacketSizes.TryFromPacketLength(prepared.SphinxPacket.Length, out _))
        {
            return false;
        }

        FragmentIdentifier? id = null;
        if (tracked)
        {
            if (!FragmentIdentifier.TryParse(prepared.FragmentId.Span, out var parsed) || prepared.Fragment.IsEmpty)
            {
                return false;
            }

            id = parsed;
        }

        var mixPacket = new MixPacket(PacketMode.Mix, firstHop, prepared.SphinxPacket.Memory).ToBytes();
        packet = new OutgoingPacket(mixPacket, id, TimeSpan.FromTicks((long)Math.Min(prepared.ExpectedDelayNs / 100, (ulong)TimeSpan.MaxValue.Ticks / 4)));
        return true;
    }
}
