using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Nym.Sphinx.Crypto;

namespace Nym.Sphinx;

/// <summary>
/// The 256 bytes HKDF-SHA256 derives from one hop's shared secret (nym-mixnet.md §1.2): the β stream key,
/// the γ MAC key, the Lioness payload key and the α blinding factor.
/// </summary>
[InlineArray(Length)]
internal struct RoutingKeys
{
    public const int Length = 256;
    private byte _element0;

    public static void Derive(ReadOnlySpan<byte> sharedSecret, ref RoutingKeys keys) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, keys, salt: default, info: SphinxConstants.HkdfInfo);

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> StreamCipherKey => ((ReadOnlySpan<byte>)this)[..16];
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> MacKey => ((ReadOnlySpan<byte>)this)[16..32];
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> PayloadKey => ((ReadOnlySpan<byte>)this)[32..224];
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> BlindingFactor => ((ReadOnlySpan<byte>)this)[224..256];

    /// <summary>ρ: the 360-byte AES-128-CTR keystream (IV 0) that encrypts β.</summary>
    public readonly void StreamCipherOutput(Span<byte> output) =>
        Aes128Ctr.Keystream(StreamCipherKey, Aes128Ctr.ZeroIv, output[..SphinxConstants.StreamCipherOutputLength]);

    /// <summary>γ = HMAC-SHA256(mac key, β)[..16].</summary>
    public readonly void ComputeMac(ReadOnlySpan<byte> routingInfo, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(MacKey, routingInfo, full);
        full[..SphinxConstants.MacLength].CopyTo(mac);
    }

    public void Clear() => CryptographicOperations.ZeroMemory(this);
}

[InlineArray(SphinxConstants.MaxPathLength)]
internal struct RouteKeys
{
    private RoutingKeys _element0;
}

/// <summary>
/// The sender's key schedule (nym-mixnet.md §1.3): α₀ = x·B; for each hop sᵢ = accᵢ·PKᵢ with acc₀ = x and
/// accᵢ₊₁ = accᵢ·bᵢ mod l; keysᵢ = HKDF(sᵢ).
/// </summary>
internal static class KeyMaterial
{
    /// <param name="initialSecret">x, already clamped or not (it is clamped here).</param>
    /// <param name="publicKeys">the route's node keys, 32 bytes each, concatenated.</param>
    /// <param name="onHop">test hook: sees each hop's accumulator and shared secret.</param>
    public static void Derive(
        ReadOnlySpan<byte> initialSecret, ReadOnlySpan<byte> publicKeys, int hops, Span<byte> alpha0, ref RouteKeys keys,
        HopObserver? onHop = null)
    {
        Span<byte> accumulator = stackalloc byte[32];
        Span<byte> shared = stackalloc byte[32];
        initialSecret.CopyTo(accumulator);
        X25519.Clamp(accumulator);
        X25519.DerivePublicKey(accumulator, alpha0);

        for (int i = 0; i < hops; i++)
        {
            var publicKey = publicKeys.Slice(i * 32, 32);
            if (i == 0)
            {
                // acc₀ = x is a clamped scalar, so this is an ordinary X25519.
                X25519.SharedSecret(accumulator, publicKey, shared);
            }
            else
            {
                X25519.MultiplyUnclamped(accumulator, publicKey, shared);
            }

            RoutingKeys.Derive(shared, ref keys[i]);
            onHop?.Invoke(i, accumulator, shared);
            X25519.MultiplyScalars(accumulator, keys[i].BlindingFactor, accumulator);
        }

        CryptographicOperations.ZeroMemory(accumulator);
        CryptographicOperations.ZeroMemory(shared);
    }

    internal delegate void HopObserver(int hop, ReadOnlySpan<byte> accumulator, ReadOnlySpan<byte> sharedSecret);
}
