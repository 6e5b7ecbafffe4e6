using System.Numerics;
using System.Security.Cryptography;

namespace Nym.Sphinx.Crypto;

/// <summary>
/// Curve25519 on Montgomery u-coordinates (32 bytes, little-endian), as Sphinx uses it (nym-mixnet.md §1.2–1.3):
/// ordinary clamped X25519, and the multiplication by an unclamped scalar mod l that the key schedule and the
/// α blinding need.
/// </summary>
public static class X25519
{
    public const int KeySize = 32;

    /// <summary>The group order l = 2^252 + 27742317777372353535851937790883648493.</summary>
    private static readonly BigInteger GroupOrder = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>8⁻¹ mod l, little-endian (l ≡ 5 mod 8, so 8⁻¹ = (3l + 1) / 8).</summary>
    private static readonly byte[] InverseOfEight = ToScalarBytes((3 * GroupOrder + 1) / 8);

    /// <summary>Clamps a private scalar the X25519 way: b[0] &amp;= 248, b[31] &amp;= 127, b[31] |= 64.</summary>
    public static void Clamp(Span<byte> scalar)
    {
        CheckLength(scalar.Length, nameof(scalar));
        scalar[0] &= 248;
        scalar[31] &= 127;
        scalar[31] |= 64;
    }

    /// <summary>public = X25519(private, 9). The private key is clamped as it is used.</summary>
    public static void DerivePublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        CheckLength(privateKey.Length, nameof(privateKey));
        CheckLength(publicKey.Length, nameof(publicKey));
        Sodium.crypto_scalarmult_curve25519_base(publicKey, privateKey);
    }

    /// <summary>
    /// shared = X25519(private, peer), an ordinary clamped Diffie-Hellman. A low-order peer point gives all zeros,
    /// as curve25519-dalek gives, instead of an error: the caller's MAC check then fails on it like on any bad key.
    /// </summary>
    public static void SharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> shared)
    {
        CheckLength(privateKey.Length, nameof(privateKey));
        CheckLength(peerPublicKey.Length, nameof(peerPublicKey));
        CheckLength(shared.Length, nameof(shared));
        if (Sodium.crypto_scalarmult_curve25519(shared, privateKey, peerPublicKey) != 0)
        {
            shared.Clear();
        }
    }

    /// <summary>
    /// result = u([s mod l]·P) for a scalar that is NOT clamped (Sphinx's α blinding and sender key schedule, §1.3).
    /// libsodium always clamps, so the product is computed as X25519(8t, P) with t = s·8⁻¹ mod l, negated when
    /// needed so that 8t has bit 254 set (u(−Q) = u(Q)). That equals u(s·P) for every P in the prime-order
    /// subgroup, which is where every honest α and public key lies. For a P with a small-order component it
    /// returns u(s·P') of P's prime-order part: the next hop clamps (multiplies by 8) anyway, so it derives the
    /// same secret, and the torsion an attacker may have added to α (a tag) does not travel on.
    /// </summary>
    public static void MultiplyUnclamped(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> point, Span<byte> result)
    {
        CheckLength(scalar.Length, nameof(scalar));
        CheckLength(point.Length, nameof(point));
        CheckLength(result.Length, nameof(result));

        Span<byte> t = stackalloc byte[KeySize];
        ReduceScalar(scalar, t);
        Sodium.crypto_core_ed25519_scalar_mul(t, t, InverseOfEight);
        if (t[31] < 0x08)
        {
            Sodium.crypto_core_ed25519_scalar_negate(t, t);
        }

        // 8t must lie in [2^254, 2^255): true unless t is within 2^125 of 0 or of l (never, for random scalars;
        // always, for the zero scalar). Those cases take the exact reference ladder.
        if (t[31] is < 0x08 or >= 0x10)
        {
            ReferenceLadder(scalar, point, result);
            CryptographicOperations.ZeroMemory(t);
            return;
        }

        Span<byte> eightT = stackalloc byte[KeySize];
        int carry = 0;
        for (int i = 0; i < KeySize; i++)
        {
            eightT[i] = (byte)((t[i] << 3) | carry);
            carry = t[i] >> 5;
        }

        if (Sodium.crypto_scalarmult_curve25519(result, eightT, point) != 0)
        {
            result.Clear();
        }

        CryptographicOperations.ZeroMemory(t);
        CryptographicOperations.ZeroMemory(eightT);
    }

    /// <summary>r = s mod l (any 32-byte little-endian s).</summary>
    internal static void ReduceScalar(ReadOnlySpan<byte> scalar, Span<byte> reduced)
    {
        Span<byte> wide = stackalloc byte[64];
        scalar.CopyTo(wide);
        Sodium.crypto_core_ed25519_scalar_reduce(reduced, wide);
    }

    /// <summary>z = (x mod l)(y mod l) mod l.</summary>
    internal static void MultiplyScalars(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Span<byte> product)
    {
        Span<byte> xr = stackalloc byte[KeySize];
        Span<byte> yr = stackalloc byte[KeySize];
        ReduceScalar(x, xr);
        ReduceScalar(y, yr);
        Sodium.crypto_core_ed25519_scalar_mul(product, xr, yr);
    }

    /// <summary>
    /// A plain Montgomery ladder over bits 254..0 of (s mod l) with no clamping, in arbitrary-precision arithmetic.
    /// Slow and not constant-time: used only where <see cref="MultiplyUnclamped"/>'s fast form does not apply,
    /// which happens with probability about 2^-124 for a random scalar.
    /// </summary>
    internal static void ReferenceLadder(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> point, Span<byte> result)
    {
        BigInteger p = BigInteger.Pow(2, 255) - 19;
        BigInteger k = new BigInteger(scalar, isUnsigned: true) % GroupOrder;
        Span<byte> masked = stackalloc byte[KeySize];
        point.CopyTo(masked);
        masked[31] &= 127;
        BigInteger x1 = new BigInteger(masked, isUnsigned: true) % p;
        BigInteger x2 = 1, z2 = 0, x3 = x1, z3 = 1;
        bool swap = false;
        for (int bit = 254; bit >= 0; bit--)
        {
            bool kt = !(k >> bit).IsEven;
            if (swap ^ kt)
            {
                (x2, x3) = (x3, x2);
                (z2, z3) = (z3, z2);
            }

            swap = kt;
            BigInteger a = x2 + z2, aa = a * a % p, b = x2 - z2, bb = b * b % p, e = aa - bb;
            BigInteger c = x3 + z3, d = x3 - z3, da = d * a % p, cb = c * b % p;
            x3 = BigInteger.Pow(da + cb, 2) % p;
            z3 = x1 * BigInteger.Pow(da - cb, 2) % p;
            x2 = aa * bb % p;
            z2 = e * (aa + 121665 * e) % p;
        }

        if (swap)
        {
            (x2, z2) = (x3, z3);
        }

        BigInteger u = x2 * BigInteger.ModPow(((z2 % p) + p) % p, p - 2, p) % p;
        u = (u + p) % p;
        result.Clear();
        u.TryWriteBytes(result, out _, isUnsigned: true);
    }

    private static byte[] ToScalarBytes(BigInteger value)
    {
        var bytes = new byte[KeySize];
        value.TryWriteBytes(bytes, out _, isUnsigned: true);
        return bytes;
    }

    private static void CheckLength(int length, string name)
    {
        if (length != KeySize)
        {
            throw new ArgumentException($"Curve25519 values are {KeySize} bytes, not {length}.", name);
        }
    }
}
