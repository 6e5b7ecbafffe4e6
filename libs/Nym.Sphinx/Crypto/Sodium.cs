using System.Runtime.InteropServices;

namespace Nym.Sphinx.Crypto;

/// <summary>
/// Direct calls into libsodium (shipped by the NSec.Cryptography package) for the per-packet primitives:
/// X25519, DJB ChaCha20, keyed BLAKE2b and scalar arithmetic mod l. These calls allocate nothing,
/// unlike NSec's key objects, so they are what the hot paths use (DESIGN.md, "Choices").
/// </summary>
internal static partial class Sodium
{
    private const string Library = "libsodium";

    static Sodium()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium could not be initialised.");
        }
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_curve25519(Span<byte> q, ReadOnlySpan<byte> n, ReadOnlySpan<byte> p);

    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_curve25519_base(Span<byte> q, ReadOnlySpan<byte> n);

    [LibraryImport(Library)]
    internal static partial int crypto_stream_chacha20_xor(Span<byte> c, ReadOnlySpan<byte> m, ulong mlen, ReadOnlySpan<byte> n, ReadOnlySpan<byte> k);

    [LibraryImport(Library)]
    internal static partial int crypto_generichash_blake2b(Span<byte> output, nuint outlen, ReadOnlySpan<byte> input, ulong inlen, ReadOnlySpan<byte> key, nuint keylen);

    [LibraryImport(Library)]
    internal static partial void crypto_core_ed25519_scalar_reduce(Span<byte> r, ReadOnlySpan<byte> s);

    [LibraryImport(Library)]
    internal static partial void crypto_core_ed25519_scalar_mul(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y);

    [LibraryImport(Library)]
    internal static partial void crypto_core_ed25519_scalar_negate(Span<byte> neg, ReadOnlySpan<byte> s);
}
