using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;

namespace Nym.Protocol.Packets;

/// <summary>
/// A Sphinx packet ready to go to the gateway as a ForwardSphinx <see cref="MixPacket"/>, with what the sender must
/// remember about it: the fragment it carries (for the ack) and the delay it is expected to take (for the timeout).
/// </summary>
public sealed record PreparedPacket(NymNodeRoutingAddress FirstHop, byte[] Packet, FragmentIdentifier FragmentId, ulong TotalDelayNanoseconds)
{
    public MixPacket ToMixPacket() => new(PacketMode.Mix, FirstHop, Packet);
}
