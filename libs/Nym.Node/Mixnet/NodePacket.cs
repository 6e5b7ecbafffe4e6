using System.Buffers;
using Nym.Protocol.Framing;
using Nym.Sphinx;

namespace Nym.Node.Mixnet;

/// <summary>
/// One Sphinx packet inside a node, in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: the only allocation
/// a packet costs, and it is pooled. Whoever holds a packet either hands it on or calls <see cref="Return"/>, once.
/// </summary>
public readonly struct NodePacket
{
    private readonly byte[] _buffer;

    private NodePacket(byte[] buffer, PacketSize size, PacketMode mode, long receivedTimestamp)
    {
        _buffer = buffer;
        Size = size;
        Mode = mode;
        ReceivedTimestamp = receivedTimestamp;
    }

    public PacketSize Size { get; }

    public PacketMode Mode { get; }

    /// <summary>When the frame arrived, in <see cref="TimeProvider.GetTimestamp"/> units: a hop's delay counts from here (§6).</summary>
    public long ReceivedTimestamp { get; }

    public int Length => Size.PacketLength();

    /// <summary>The memory the packet holds: its pooled buffer, rounded up by the pool (4096 for a 2413-byte packet). Byte bounds count this.</summary>
    public int Footprint => _buffer.Length;

    public Span<byte> Span => _buffer.AsSpan(0, Length);

    public static NodePacket Rent(PacketSize size, PacketMode mode, long receivedTimestamp) =>
        new(ArrayPool<byte>.Shared.Rent(size.PacketLength()), size, mode, receivedTimestamp);

    /// <summary>A packet holding a copy of <paramref name="packet"/>, whose length must be a packet size's.</summary>
    public static NodePacket Copy(ReadOnlySpan<byte> packet, PacketMode mode, long receivedTimestamp)
    {
        if (!PacketSizes.TryFromPacketLength(packet.Length, out var size))
        {
            throw new ArgumentException($"No packet size has {packet.Length} bytes.", nameof(packet));
        }

        var copy = Rent(size, mode, receivedTimestamp);
        packet.CopyTo(copy.Span);
        return copy;
    }

    public void Return() => ArrayPool<byte>.Shared.Return(_buffer);
}

/// <summary>Where the mix listener hands each received packet: the processing workers.</summary>
public interface IMixPacketSink
{
    /// <summary>
    /// Takes ownership of <paramref name="packet"/>, waiting while the sink is full (so a fast peer is slowed through
    /// TCP, never buffered without bound). False when the sink has stopped: the packet has been dropped.
    /// </summary>
    ValueTask<bool> WriteAsync(NodePacket packet, CancellationToken cancellationToken);
}

/// <summary>
/// A packet after this node's Sphinx processing (§1.6). The buffer now holds the output: for a forward hop the next
/// packet (same size), for a final hop the decrypted payload block in its first <see cref="OutputLength"/> bytes.
/// The shared secret stays with the workers (it only feeds the replay filter).
/// </summary>
public readonly struct ProcessedHop(NodePacket packet, in SphinxHopResult result)
{
    public NodePacket Packet { get; } = packet;

    /// <summary><see cref="SphinxHopKind.Forward"/> or <see cref="SphinxHopKind.Final"/>.</summary>
    public SphinxHopKind Kind { get; } = result.Kind;

    /// <summary>Forward: the next hop's 32-byte node address. Final: the destination (a client's identity at a gateway).</summary>
    public Bytes32 Address { get; } = result.Address;

    public ulong DelayNanoseconds { get; } = result.DelayNanoseconds;

    public Bytes16 SurbIdentifier { get; } = result.SurbIdentifier;

    public int OutputLength { get; } = result.OutputLength;

    public Span<byte> Output => Packet.Span[..OutputLength];
}

/// <summary>What a node does with a processed packet: a mix node forwards (<see cref="HopForwarder"/>), a gateway delivers.</summary>
public interface ISphinxHopHandler
{
    /// <summary>Called on a worker thread, concurrently; takes ownership of <c>hop.Packet</c>. Must not throw.</summary>
    void Handle(in ProcessedHop hop);
}
