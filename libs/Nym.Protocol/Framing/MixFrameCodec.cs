using System.Buffers;

namespace Nym.Protocol.Framing;

/// <summary>Why a mix connection's bytes are not a frame (Nym's <c>SphinxCodec</c> errors). Either closes the connection.</summary>
public enum MixFrameError
{
    None,
    InvalidPacketSize,
    InvalidPacketMode,
}

/// <summary>The two header bytes of a mix frame.</summary>
public readonly record struct MixFrameHeader(PacketSize Size, PacketMode Mode)
{
    public int PacketLength => Size.PacketLength();

    public int FrameLength => MixFrameCodec.HeaderLength + PacketLength;
}

/// <summary>One decoded frame; <see cref="Packet"/> is a slice of the input and lives as long as it does.</summary>
public readonly record struct MixFrame(MixFrameHeader Header, ReadOnlySequence<byte> Packet);

/// <summary>
/// The node-to-node TCP framing (nym-mixnet.md §6), frames back to back with no other framing:
/// <code>
/// ┌──────────────┬──────────────┬────────────────────────────────────────┐
/// │ size id (1)  │ mode (1)     │ Sphinx packet (2413 | 386 | 33133)     │
/// │ 1 | 2 | 3    │ 0 | 1        │ length fixed by the size id            │
/// └──────────────┴──────────────┴────────────────────────────────────────┘
/// </code>
/// Decoding is incremental: it reports a frame, the need for more bytes, or invalid data, and consumes only whole
/// frames, so a System.IO.Pipelines reader can call it on whatever has arrived:
/// <code>
/// while (MixFrameCodec.TryDecode(ref buffer, out var frame, out var error) == OperationStatus.Done) { /* use frame */ }
/// reader.AdvanceTo(buffer.Start, buffer.End); // and close the connection on InvalidData
/// </code>
/// </summary>
public static class MixFrameCodec
{
    public const int HeaderLength = 2;

    /// <summary>The longest frame, so a reader can bound what it buffers.</summary>
    public const int MaxFrameLength = HeaderLength + PacketSizes.MaxPacketLength;

    /// <summary>
    /// Reads a frame header from the start of <paramref name="source"/>. As soon as two bytes are there they are
    /// checked, size id first (a single byte, even a bad one, only asks for more). On <see cref="OperationStatus.Done"/>
    /// the frame is <c>source[..header.FrameLength]</c>; <see cref="OperationStatus.NeedMoreData"/> after a valid header
    /// still gives the header, so the caller knows how much to wait for.
    /// </summary>
    public static OperationStatus TryDecode(ReadOnlySpan<byte> source, out MixFrameHeader header, out MixFrameError error)
    {
        var status = TryReadHeader(source, out header, out error);
        return status == OperationStatus.Done && source.Length < header.FrameLength ? OperationStatus.NeedMoreData : status;
    }

    /// <summary>
    /// Takes one frame off the front of <paramref name="buffer"/> (advancing it past the frame) for a pipe reader.
    /// On <see cref="OperationStatus.NeedMoreData"/> or <see cref="OperationStatus.InvalidData"/> the buffer is unchanged.
    /// </summary>
    public static OperationStatus TryDecode(ref ReadOnlySequence<byte> buffer, out MixFrame frame, out MixFrameError error)
    {
        frame = default;
        Span<byte> headerBytes = stackalloc byte[HeaderLength];
        int available = (int)Math.Min(buffer.Length, HeaderLength);
        buffer.Slice(0, available).CopyTo(headerBytes);
        var status = TryReadHeader(headerBytes[..available], out var header, out error);
        if (status != OperationStatus.Done)
        {
            return status;
        }

        if (buffer.Length < header.FrameLength)
        {
            return OperationStatus.NeedMoreData;
        }

        frame = new MixFrame(header, buffer.Slice(HeaderLength, header.PacketLength));
        buffer = buffer.Slice(header.FrameLength);
        return OperationStatus.Done;
    }

    private static OperationStatus TryReadHeader(ReadOnlySpan<byte> source, out MixFrameHeader header, out MixFrameError error)
    {
        header = default;
        error = MixFrameError.None;
        if (source.Length < HeaderLength)
        {
            return OperationStatus.NeedMoreData;
        }

        if (!PacketSizes.TryFromId(source[0], out var size))
        {
            error = MixFrameError.InvalidPacketSize;
            return OperationStatus.InvalidData;
        }

        if (!PacketModes.TryFromId(source[1], out var mode))
        {
            error = MixFrameError.InvalidPacketMode;
            return OperationStatus.InvalidData;
        }

        header = new MixFrameHeader(size, mode);
        return OperationStatus.Done;
    }

    /// <summary>The frame length for a packet, whose size id follows from its length.</summary>
    public static int GetFrameLength(int packetLength) => HeaderLength + SizeOf(packetLength).PacketLength();

    /// <summary>Writes <c>size id ‖ mode ‖ packet</c> and returns its length. A packet of no known size is a caller bug.</summary>
    public static int Encode(PacketMode mode, ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        var size = SizeOf(packet.Length);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a packet mode.");
        }

        int length = HeaderLength + packet.Length;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The frame needs {length} bytes.", nameof(destination));
        }

        destination[0] = (byte)size;
        destination[1] = (byte)mode;
        packet.CopyTo(destination[HeaderLength..]);
        return length;
    }

    public static void Encode(PacketMode mode, ReadOnlySpan<byte> packet, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int length = GetFrameLength(packet.Length);
        writer.Advance(Encode(mode, packet, writer.GetSpan(length)));
    }

    private static PacketSize SizeOf(int packetLength) => PacketSizes.TryFromPacketLength(packetLength, out var size)
        ? size
        : throw new ArgumentException($"No packet size has {packetLength} bytes.", nameof(packetLength));
}
