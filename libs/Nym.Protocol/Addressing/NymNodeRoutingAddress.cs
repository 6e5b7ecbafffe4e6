using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nym.Sphinx;

namespace Nym.Protocol.Addressing;

/// <summary>Why bytes are not a node routing address (the variant names of Nym's <c>NymNodeRoutingAddressError</c>).</summary>
public enum NodeAddressError
{
    None,

    /// <summary>Fewer than 7 bytes, or version 6 with fewer than 19.</summary>
    InsufficientNumberOfBytesAvailableError,

    /// <summary>The version byte is neither 4 nor 6.</summary>
    InvalidIpVersion,
}

/// <summary>
/// The socket address of a mix node or gateway as Nym puts it into packets (nym-mixnet.md §6): the next hop in a
/// Sphinx routing layer (zero-padded to 32 bytes), the SURB-ACK first hop (zero-padded to 19, §2.2) and the first
/// hop of a client's ForwardSphinx request (unpadded, §5.4). Held inline, so that parsing one per packet allocates
/// nothing and the value can key a connection table.
/// </summary>
public readonly struct NymNodeRoutingAddress : IEquatable<NymNodeRoutingAddress>
{
    public const int Ipv4Length = 1 + 2 + 4;
    public const int Ipv6Length = 1 + 2 + 16;

    /// <summary>The longest unpadded form (<c>MAX_NODE_ADDRESS_UNPADDED_LEN</c>), also the SURB-ACK first hop's size.</summary>
    public const int MaxUnpaddedLength = Ipv6Length;

    private const byte Version4 = 4;
    private const byte Version6 = 6;

    // The 4 or 16 address octets in network order, IPv4 in the first 4 bytes of _high.
    private readonly ulong _high;
    private readonly ulong _low;

    private NymNodeRoutingAddress(byte version, ushort port, ulong high, ulong low)
    {
        IpVersion = version;
        Port = port;
        _high = high;
        _low = low;
    }

    /// <summary>4 or 6.</summary>
    public byte IpVersion { get; }

    public ushort Port { get; }

    /// <summary>7 bytes for IPv4, 19 for IPv6.</summary>
    public int UnpaddedLength => IpVersion == Version4 ? Ipv4Length : Ipv6Length;

    public IPAddress Address
    {
        get
        {
            Span<byte> octets = stackalloc byte[16];
            WriteOctets(octets);
            return new IPAddress(IpVersion == Version4 ? octets[..4] : octets);
        }
    }

    /// <summary>An IPv4 or IPv6 endpoint; an IPv4-mapped IPv6 address stays version 6, as Rust's <c>SocketAddr::V6</c>.</summary>
    public static NymNodeRoutingAddress FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> octets = stackalloc byte[16];
        octets.Clear();
        if (!endPoint.Address.TryWriteBytes(octets, out _))
        {
            throw new ArgumentException("Not an IPv4 or IPv6 address.", nameof(endPoint));
        }

        byte version = endPoint.AddressFamily switch
        {
            AddressFamily.InterNetwork => Version4,
            AddressFamily.InterNetworkV6 => Version6,
            _ => throw new ArgumentException("Not an IPv4 or IPv6 address.", nameof(endPoint)),
        };
        return new NymNodeRoutingAddress(version, (ushort)endPoint.Port,
            BinaryPrimitives.ReadUInt64BigEndian(octets), BinaryPrimitives.ReadUInt64BigEndian(octets[8..]));
    }

    public IPEndPoint ToEndPoint() => new(Address, Port);

    /// <summary>
    /// Reads an address from the start of <paramref name="bytes"/>, ignoring whatever follows (the padding of the
    /// 19- and 32-byte forms, or anything else: Nym does not check it). Never throws.
    /// <code>
    /// [version 4|6] [port u16 BE] [4 or 16 octets] [ignored…]
    /// </code>
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out NymNodeRoutingAddress address, out NodeAddressError error)
    {
        address = default;
        if (bytes.Length < Ipv4Length)
        {
            error = NodeAddressError.InsufficientNumberOfBytesAvailableError;
            return false;
        }

        ushort port = BinaryPrimitives.ReadUInt16BigEndian(bytes[1..]);
        switch (bytes[0])
        {
            case Version4:
                address = new NymNodeRoutingAddress(Version4, port, (ulong)BinaryPrimitives.ReadUInt32BigEndian(bytes[3..]) << 32, 0);
                break;
            case Version6 when bytes.Length >= Ipv6Length:
                address = new NymNodeRoutingAddress(Version6, port,
                    BinaryPrimitives.ReadUInt64BigEndian(bytes[3..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[11..]));
                break;
            case Version6:
                error = NodeAddressError.InsufficientNumberOfBytesAvailableError;
                return false;
            default:
                error = NodeAddressError.InvalidIpVersion;
                return false;
        }

        error = NodeAddressError.None;
        return true;
    }

    /// <summary>The next hop named by a Sphinx routing layer (32 bytes, §6).</summary>
    public static bool TryFromSphinxAddress(in Bytes32 nodeAddress, out NymNodeRoutingAddress address, out NodeAddressError error) =>
        TryParse(nodeAddress, out address, out error);

    /// <summary>Writes the unpadded form (7 or 19 bytes) and returns its length.</summary>
    public int WriteUnpadded(Span<byte> destination)
    {
        if (IpVersion is not (Version4 or Version6))
        {
            // Only default(NymNodeRoutingAddress) gets here: an address never set must not encode as a version-0 one.
            throw new InvalidOperationException("This node address was never set.");
        }

        int length = UnpaddedLength;
        if (destination.Length < length)
        {
            throw new ArgumentException($"A node address needs {length} bytes.", nameof(destination));
        }

        destination[0] = IpVersion;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], Port);
        Span<byte> octets = stackalloc byte[16];
        WriteOctets(octets);
        octets[..(length - 3)].CopyTo(destination[3..]);
        return length;
    }

    /// <summary>Fills all of <paramref name="destination"/>: the unpadded form, then zeros (19 for the SURB-ACK first hop).</summary>
    public void WritePadded(Span<byte> destination)
    {
        int length = WriteUnpadded(destination);
        destination[length..].Clear();
    }

    public byte[] ToUnpaddedBytes()
    {
        var bytes = new byte[UnpaddedLength];
        WriteUnpadded(bytes);
        return bytes;
    }

    /// <summary>The 32-byte node address of a Sphinx routing layer.</summary>
    public Bytes32 ToSphinxAddress()
    {
        Bytes32 value = default;
        WritePadded(value);
        return value;
    }

    private void WriteOctets(Span<byte> octets)
    {
        BinaryPrimitives.WriteUInt64BigEndian(octets, _high);
        BinaryPrimitives.WriteUInt64BigEndian(octets[8..], _low);
    }

    public bool Equals(NymNodeRoutingAddress other) =>
        IpVersion == other.IpVersion && Port == other.Port && _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is NymNodeRoutingAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(IpVersion, Port, _high, _low);

    /// <summary>Rust's <c>SocketAddr</c> display: <c>1.2.3.4:1789</c> or <c>[2001:db8::1]:1789</c>. Node addresses are public.</summary>
    public override string ToString() => ToEndPoint().ToString();

    public static bool operator ==(NymNodeRoutingAddress left, NymNodeRoutingAddress right) => left.Equals(right);

    public static bool operator !=(NymNodeRoutingAddress left, NymNodeRoutingAddress right) => !left.Equals(right);
}
