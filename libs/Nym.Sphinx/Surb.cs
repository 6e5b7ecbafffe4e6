using System.Security.Cryptography;
using Nym.Sphinx.Crypto;
using static Nym.Sphinx.SphinxConstants;

namespace Nym.Sphinx;

/// <summary>
/// A single-use reply block (nym-mixnet.md §1.9): a header built exactly like a packet's for the reply route,
/// the route's first hop, and the route's payload keys, which travel inside the SURB.
/// Serialized: header(348) ‖ first hop(32) ‖ payload key(192) per hop.
/// </summary>
public sealed class Surb
{
    private const int MinimumLength = HeaderLength + NodeAddressLength + PayloadKeyLength;
    private readonly byte[] _header;
    private readonly byte[] _payloadKeys;

    private Surb(byte[] header, Bytes32 firstHop, byte[] payloadKeys)
    {
        _header = header;
        FirstHop = firstHop;
        _payloadKeys = payloadKeys;
    }

    public ReadOnlySpan<byte> Header => _header;

    /// <summary>Where a packet made from this SURB is sent first.</summary>
    public Bytes32 FirstHop { get; }

    public int HopCount => _payloadKeys.Length / PayloadKeyLength;

    public ReadOnlySpan<byte> PayloadKey(int hop) => _payloadKeys.AsSpan(hop * PayloadKeyLength, PayloadKeyLength);

    public int SerializedLength => HeaderLength + NodeAddressLength + _payloadKeys.Length;

    /// <summary>The serialized length of a SURB over a route of <paramref name="hops"/> nodes.</summary>
    public static int LengthFor(int hops) => HeaderLength + NodeAddressLength + hops * PayloadKeyLength;

    /// <summary>Creates a SURB with a fresh random secret and padding.</summary>
    public static Surb Create(ReadOnlySpan<SphinxHop> route, ReadOnlySpan<ulong> delays, in SphinxDestination destination)
    {
        SphinxHeader.Validate(route, delays);
        Span<byte> initialSecret = stackalloc byte[X25519.KeySize];
        Span<byte> padding = stackalloc byte[FinalHopPaddingLength(route.Length)];
        RandomNumberGenerator.Fill(initialSecret);
        RandomNumberGenerator.Fill(padding);
        var surb = Create(route, delays, destination, initialSecret, padding);
        CryptographicOperations.ZeroMemory(initialSecret);
        return surb;
    }

    /// <summary>Creates a SURB from explicit random inputs (the SURB's ephemeral secret and final-hop padding).</summary>
    public static Surb Create(
        ReadOnlySpan<SphinxHop> route, ReadOnlySpan<ulong> delays, in SphinxDestination destination,
        ReadOnlySpan<byte> initialSecret, ReadOnlySpan<byte> finalHopPadding)
    {
        var header = new byte[HeaderLength];
        RouteKeys keys = default;
        SphinxHeader.Build(route, delays, destination, initialSecret, finalHopPadding, header, ref keys);
        var payloadKeys = new byte[route.Length * PayloadKeyLength];
        for (int i = 0; i < route.Length; i++)
        {
            keys[i].PayloadKey.CopyTo(payloadKeys.AsSpan(i * PayloadKeyLength));
            keys[i].Clear();
        }

        return new Surb(header, route[0].Address, payloadKeys);
    }

    /// <summary>
    /// The one length rule of a serialized SURB: a header, a first hop and 1 to <see cref="SphinxConstants.MaxPathLength"/>
    /// payload keys. Null when <paramref name="length"/> is right, else the sphinx crate's error for it.
    /// </summary>
    public static SphinxError? CheckLength(int length)
    {
        if (length < MinimumLength)
        {
            return SphinxError.SurbTooShort;
        }

        int keysLength = length - HeaderLength - NodeAddressLength;
        return keysLength % PayloadKeyLength != 0 || keysLength / PayloadKeyLength > MaxPathLength ? SphinxError.SurbInvalidLength : null;
    }

    /// <summary>Parses a serialized SURB; the header is checked for length only, as the sphinx crate does. Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out Surb? surb, out SphinxError? error)
    {
        surb = null;
        error = CheckLength(bytes.Length);
        if (error is not null)
        {
            return false;
        }

        surb = new Surb(
            bytes[..HeaderLength].ToArray(),
            Bytes32.From(bytes.Slice(HeaderLength, NodeAddressLength)),
            bytes[(HeaderLength + NodeAddressLength)..].ToArray());
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < SerializedLength)
        {
            throw new ArgumentException($"A SURB needs {SerializedLength} bytes.", nameof(destination));
        }

        _header.CopyTo(destination);
        FirstHop.AsReadOnlySpan().CopyTo(destination[HeaderLength..]);
        _payloadKeys.CopyTo(destination[(HeaderLength + NodeAddressLength)..]);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedLength];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Makes the reply packet: header ‖ Lioness-encrypted payload of <paramref name="packet"/>.Length − 348 bytes.
    /// Send it to <see cref="FirstHop"/>.
    /// </summary>
    public void UseWith(ReadOnlySpan<byte> message, Span<byte> packet)
    {
        if (packet.Length < HeaderLength + SphinxPayload.MinimumSize)
        {
            throw new ArgumentException($"A packet needs at least {HeaderLength + SphinxPayload.MinimumSize} bytes.", nameof(packet));
        }

        _header.CopyTo(packet);
        SphinxPayload.Encrypt(message, _payloadKeys, packet[HeaderLength..]);
    }
}
