using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Nym.Sphinx.Crypto;
using static Nym.Sphinx.SphinxConstants;

namespace Nym.Sphinx;

/// <summary>One node of a route: the 32-byte address the previous hop forwards to, and the node's X25519 public key.</summary>
public readonly record struct SphinxHop(Bytes32 Address, Bytes32 PublicKey);

/// <summary>Where the final hop delivers: a 32-byte destination address and a 16-byte SURB identifier.</summary>
public readonly record struct SphinxDestination(Bytes32 Address, Bytes16 Identifier);

/// <summary>
/// The 348-byte Sphinx header (nym-mixnet.md §1.4–1.5):
/// <code>
/// offset 0   32   α  group element (Montgomery u, little-endian)
/// offset 32  16   γ  HMAC-SHA256(γ key, β)[..16]
/// offset 48  300  β  encrypted routing information
/// </code>
/// Plain β of a forward hop: 01 ‖ version(3) ‖ next address(32) ‖ delay(8, BE ns) ‖ next γ(16) ‖ next β[..240].
/// Plain β of the final hop: 02 ‖ version(3) ‖ destination(32) ‖ identifier(16) ‖ random padding ‖ filler.
/// </summary>
internal static class SphinxHeader
{
    private const int AlphaOffset = 0;
    private const int MacOffset = AlphaLength;
    private const int RoutingInfoOffset = AlphaLength + MacLength;
    private const int TruncatedRoutingInfoLength = RoutingInfoLength - HopStepLength;

    /// <summary>Checks the route parameters that a caller (never a peer) supplies.</summary>
    public static void Validate(ReadOnlySpan<SphinxHop> route, ReadOnlySpan<ulong> delays)
    {
        if (route.Length is < 1 or > MaxPathLength)
        {
            throw new ArgumentException($"A Sphinx route has 1 to {MaxPathLength} hops, not {route.Length}.", nameof(route));
        }

        if (delays.Length != route.Length)
        {
            throw new ArgumentException($"Expected one delay per hop ({route.Length}), got {delays.Length}.", nameof(delays));
        }
    }

    /// <summary>Builds the header into <paramref name="header"/> and leaves each hop's routing keys in <paramref name="keys"/>.</summary>
    public static void Build(
        ReadOnlySpan<SphinxHop> route, ReadOnlySpan<ulong> delays, in SphinxDestination destination,
        ReadOnlySpan<byte> initialSecret, ReadOnlySpan<byte> finalHopPadding, Span<byte> header, ref RouteKeys keys)
    {
        Validate(route, delays);
        int n = route.Length;
        if (initialSecret.Length != X25519.KeySize)
        {
            throw new ArgumentException($"The initial secret is {X25519.KeySize} bytes.", nameof(initialSecret));
        }

        if (finalHopPadding.Length != FinalHopPaddingLength(n))
        {
            throw new ArgumentException($"A route of {n} hops needs {FinalHopPaddingLength(n)} bytes of final padding.", nameof(finalHopPadding));
        }

        Span<byte> publicKeys = stackalloc byte[32 * MaxPathLength];
        for (int i = 0; i < n; i++)
        {
            route[i].PublicKey.AsReadOnlySpan().CopyTo(publicKeys[(32 * i)..]);
        }

        KeyMaterial.Derive(initialSecret, publicKeys, n, header[..AlphaLength], ref keys);

        Span<byte> stream = stackalloc byte[StreamCipherOutputLength];
        Span<byte> filler = stackalloc byte[HopStepLength * (MaxPathLength - 1)];
        int fillerLength = BuildFiller(ref keys, n, stream, filler);

        // Innermost layer first: the final hop's β, then each earlier hop wraps the next one.
        Span<byte> beta = stackalloc byte[RoutingInfoLength];
        Span<byte> mac = stackalloc byte[MacLength];
        int finalLength = RoutingInfoLength - fillerLength;
        beta[0] = FinalHopFlag;
        SphinxConstants.Version.CopyTo(beta[1..]);
        destination.Address.AsReadOnlySpan().CopyTo(beta[4..]);
        destination.Identifier.AsReadOnlySpan().CopyTo(beta[36..]);
        finalHopPadding.CopyTo(beta[FinalRoutingInfoLength..]);
        keys[n - 1].StreamCipherOutput(stream);
        Xor(beta[..finalLength], stream[..finalLength]);
        filler[..fillerLength].CopyTo(beta[finalLength..]);
        keys[n - 1].ComputeMac(beta, mac);

        Span<byte> plain = stackalloc byte[RoutingInfoLength];
        for (int i = n - 2; i >= 0; i--)
        {
            plain[0] = ForwardHopFlag;
            SphinxConstants.Version.CopyTo(plain[1..]);
            route[i + 1].Address.AsReadOnlySpan().CopyTo(plain[4..]);
            BinaryPrimitives.WriteUInt64BigEndian(plain[36..], delays[i]);
            mac.CopyTo(plain[44..]);
            beta[..TruncatedRoutingInfoLength].CopyTo(plain[HopStepLength..]);
            keys[i].StreamCipherOutput(stream);
            Xor(plain, stream[..RoutingInfoLength]);
            plain.CopyTo(beta);
            keys[i].ComputeMac(beta, mac);
        }

        mac.CopyTo(header[MacOffset..]);
        beta.CopyTo(header[RoutingInfoOffset..]);
        CryptographicOperations.ZeroMemory(stream);
        CryptographicOperations.ZeroMemory(plain);
    }

    /// <summary>F₀ = ∅; Fᵢ = (Fᵢ₋₁ ‖ 0⁶⁰) ⊕ ρᵢ₋₁[360 − 60i .. 360]. Returns its length, 60(n − 1).</summary>
    internal static int BuildFiller(ref RouteKeys keys, int hops, Span<byte> stream, Span<byte> filler)
    {
        filler.Clear();
        for (int i = 1; i < hops; i++)
        {
            keys[i - 1].StreamCipherOutput(stream);
            Xor(filler[..(HopStepLength * i)], stream[(StreamCipherOutputLength - HopStepLength * i)..]);
        }

        return HopStepLength * (hops - 1);
    }

    /// <summary>
    /// Unwraps one layer (nym-mixnet.md §1.6): verifies γ, decrypts β and, for a forward hop, writes the next header
    /// (blinded α, next γ, shifted β) into <paramref name="nextHeader"/>. Never throws for bad input.
    /// </summary>
    public static SphinxError? Process(
        ReadOnlySpan<byte> header, ReadOnlySpan<byte> privateKey, ref RoutingKeys keys, Span<byte> nextHeader, ref HopRouting routing)
    {
        var alpha = header[..AlphaLength];
        Span<byte> shared = stackalloc byte[32];
        X25519.SharedSecret(privateKey, alpha, shared);
        RoutingKeys.Derive(shared, ref keys);
        routing.SharedSecret = Bytes32.From(shared);
        CryptographicOperations.ZeroMemory(shared);

        var beta = header.Slice(RoutingInfoOffset, RoutingInfoLength);
        Span<byte> mac = stackalloc byte[MacLength];
        keys.ComputeMac(beta, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, header.Slice(MacOffset, MacLength)))
        {
            return SphinxError.InvalidMac;
        }

        Span<byte> unwrapped = stackalloc byte[StreamCipherOutputLength];
        keys.StreamCipherOutput(unwrapped);
        Xor(unwrapped[..RoutingInfoLength], beta);

        switch (unwrapped[0])
        {
            case ForwardHopFlag:
                routing.IsFinal = false;
                routing.Address = Bytes32.From(unwrapped.Slice(4, NodeAddressLength));
                routing.DelayNanoseconds = BinaryPrimitives.ReadUInt64BigEndian(unwrapped[36..]);
                X25519.MultiplyUnclamped(keys.BlindingFactor, alpha, nextHeader[..AlphaLength]);
                unwrapped.Slice(44, MacLength).CopyTo(nextHeader[MacOffset..]);
                unwrapped.Slice(HopStepLength, RoutingInfoLength).CopyTo(nextHeader[RoutingInfoOffset..]);
                return null;
            case FinalHopFlag:
                routing.IsFinal = true;
                routing.Address = Bytes32.From(unwrapped.Slice(4, DestinationAddressLength));
                routing.Identifier = Bytes16.From(unwrapped.Slice(36, IdentifierLength));
                return null;
            default:
                return SphinxError.UnknownRoutingFlag(unwrapped[0]);
        }
    }

    /// <summary>target ^= source[..target.Length].</summary>
    internal static void Xor(Span<byte> target, ReadOnlySpan<byte> source)
    {
        int i = 0;
        for (; i <= target.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(target[i..]) ^ new Vector<byte>(source[i..])).CopyTo(target[i..]);
        }

        for (; i < target.Length; i++)
        {
            target[i] ^= source[i];
        }
    }
}

/// <summary>What one hop learns from its routing layer.</summary>
internal struct HopRouting
{
    public bool IsFinal;
    public Bytes32 Address;
    public ulong DelayNanoseconds;
    public Bytes16 Identifier;
    public Bytes32 SharedSecret;
}
