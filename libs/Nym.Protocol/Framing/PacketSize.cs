namespace Nym.Protocol.Framing;

/// <summary>Nym's packet sizes with their wire ids (nym-mixnet.md §2.1, <c>PacketSize</c>): the first byte of a mix frame.</summary>
public enum PacketSize : byte
{
    Regular = 1,
    Ack = 2,
    Extended = 3,
}

/// <summary>How a packet is to be treated (§2.1). Vpn is parsed but mix nodes and gateways reject it (§6).</summary>
public enum PacketMode : byte
{
    Mix = 0,
    Vpn = 1,
}

/// <summary>The lengths behind each <see cref="PacketSize"/> (§2.1) and the checks of the wire ids.</summary>
public static class PacketSizes
{
    /// <summary>The Sphinx header (348 bytes) in front of every payload.</summary>
    public const int HeaderLength = Nym.Sphinx.SphinxConstants.HeaderLength;

    /// <summary>The longest packet of any size, for buffers.</summary>
    public const int MaxPacketLength = 33133;

    /// <summary>Whole Sphinx packet: header ‖ payload (2413 / 386 / 33133).</summary>
    public static int PacketLength(this PacketSize size) => HeaderLength + PayloadLength(size);

    /// <summary>The Sphinx payload size the builder is given (2065 / 38 / 32785).</summary>
    public static int PayloadLength(this PacketSize size) => size switch
    {
        PacketSize.Regular => 2065,
        PacketSize.Ack => 38,
        PacketSize.Extended => 32785,
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "Not a packet size."),
    };

    /// <summary>The plaintext a packet carries: payload minus Sphinx's 17-byte overhead (2048 / 21 / 32768).</summary>
    public static int PlaintextLength(this PacketSize size) => PayloadLength(size) - Nym.Sphinx.SphinxConstants.PayloadOverhead;

    public static bool TryFromId(byte id, out PacketSize size)
    {
        size = (PacketSize)id;
        return id is >= (byte)PacketSize.Regular and <= (byte)PacketSize.Extended;
    }

    /// <summary>The size whose packets are exactly <paramref name="packetLength"/> bytes long.</summary>
    public static bool TryFromPacketLength(int packetLength, out PacketSize size)
    {
        foreach (var candidate in (ReadOnlySpan<PacketSize>)[PacketSize.Regular, PacketSize.Ack, PacketSize.Extended])
        {
            if (candidate.PacketLength() == packetLength)
            {
                size = candidate;
                return true;
            }
        }

        size = default;
        return false;
    }
}

public static class PacketModes
{
    public static bool TryFromId(byte id, out PacketMode mode)
    {
        mode = (PacketMode)id;
        return id <= (byte)PacketMode.Vpn;
    }
}
