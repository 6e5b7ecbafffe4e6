using System.Globalization;
using Nym.Protocol.Addressing;

namespace Nym.Protocol.Framing;

/// <summary>The variants of Nym's <c>MixPacketFormattingError</c> that parsing can give.</summary>
public enum MixPacketErrorKind
{
    None,
    InvalidPacketMode,
    InvalidAddress,
    InvalidPacketSize,
}

/// <summary>Why bytes are not a <see cref="MixPacket"/>; <see cref="ToString"/> is Nym's display text.</summary>
/// <param name="ActualPacketLength">For <see cref="MixPacketErrorKind.InvalidPacketSize"/>: the length found after the address.</param>
public readonly record struct MixPacketError(MixPacketErrorKind Kind, int ActualPacketLength = 0)
{
    public override string ToString() => Kind switch
    {
        MixPacketErrorKind.None => "",
        MixPacketErrorKind.InvalidPacketMode => "provided packet mode is invalid",
        MixPacketErrorKind.InvalidAddress => "address field was incorrectly encoded",
        _ => string.Create(CultureInfo.InvariantCulture,
            $"received request had invalid size. (actual: {ActualPacketLength}, but expected one of: {PacketSize.Ack.PacketLength()} (ACK), {PacketSize.Regular.PacketLength()} (REGULAR), {PacketSize.Extended.PacketLength()} (EXTENDED))"),
    };
}

/// <summary>
/// A Sphinx packet with the first hop it goes to: what a client asks its gateway to forward (the plaintext of a
/// <c>ForwardSphinx</c> binary request, nym-mixnet.md §5.4), and what the gateway sends on an ack's first hop.
/// <code>
/// ┌──────────┬───────────────────────────────┬──────────────────────────────────┐
/// │ mode (1) │ next hop, unpadded (7 | 19)   │ Sphinx packet (386 | 2413 | 33133)│
/// └──────────┴───────────────────────────────┴──────────────────────────────────┘
/// </code>
/// </summary>
/// <param name="Packet">The Sphinx packet; after <see cref="TryParse"/> a slice of the parsed bytes, not a copy.</param>
public readonly record struct MixPacket(PacketMode Mode, NymNodeRoutingAddress NextHop, ReadOnlyMemory<byte> Packet)
{
    /// <summary>The size of <see cref="Packet"/>; a packet of no known size is a caller bug.</summary>
    public PacketSize Size => PacketSizes.TryFromPacketLength(Packet.Length, out var size)
        ? size
        : throw new InvalidOperationException($"No packet size has {Packet.Length} bytes.");

    public int EncodedLength => 1 + NextHop.UnpaddedLength + Packet.Length;

    /// <summary>Parses <paramref name="bytes"/>; Vpn mode parses (the node rejects it later). Checks run mode, address, size.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> bytes, out MixPacket packet, out MixPacketError error)
    {
        packet = default;
        var span = bytes.Span;
        if (span.IsEmpty || !PacketModes.TryFromId(span[0], out var mode))
        {
            error = new MixPacketError(MixPacketErrorKind.InvalidPacketMode);
            return false;
        }

        if (!NymNodeRoutingAddress.TryParse(span[1..], out var nextHop, out _))
        {
            error = new MixPacketError(MixPacketErrorKind.InvalidAddress);
            return false;
        }

        var sphinx = bytes[(1 + nextHop.UnpaddedLength)..];
        if (!PacketSizes.TryFromPacketLength(sphinx.Length, out _))
        {
            error = new MixPacketError(MixPacketErrorKind.InvalidPacketSize, sphinx.Length);
            return false;
        }

        packet = new MixPacket(mode, nextHop, sphinx);
        error = default;
        return true;
    }

    /// <summary>Writes <c>mode ‖ next hop ‖ packet</c> and returns its length.</summary>
    public int Encode(Span<byte> destination)
    {
        if (!PacketSizes.TryFromPacketLength(Packet.Length, out _) || !Enum.IsDefined(Mode))
        {
            throw new InvalidOperationException("A mix packet needs a known packet size and mode.");
        }

        if (destination.Length < EncodedLength)
        {
            throw new ArgumentException($"The mix packet needs {EncodedLength} bytes.", nameof(destination));
        }

        destination[0] = (byte)Mode;
        int offset = 1 + NextHop.WriteUnpadded(destination[1..]);
        Packet.Span.CopyTo(destination[offset..]);
        return offset + Packet.Length;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[EncodedLength];
        Encode(bytes);
        return bytes;
    }
}
