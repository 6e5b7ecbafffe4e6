namespace Nym.Sphinx.Crypto;

/// <summary>
/// The Lioness wide-block cipher over keyed BLAKE2b-256 and DJB ChaCha20, exactly as the crate
/// lioness 0.1.2 (<c>Lioness&lt;VarBlake2b, ChaCha&gt;::new_raw</c>) that encrypts Sphinx payloads
/// (nym-mixnet.md §1.8). Key = K1(32) ‖ K2(64) ‖ K3(32) ‖ K4(64); block = L(32) ‖ R(rest), rest ≥ 1.
/// Works in place and allocates nothing.
/// </summary>
public static class Lioness
{
    public const int KeySize = 192;
    private const int HalfSize = 32;

    /// <summary>Lioness needs a block longer than its 32-byte left half.</summary>
    public static bool IsValidBlockLength(int length) => length > HalfSize;

    /// <summary>Encrypts <paramref name="block"/> in place.</summary>
    public static void Encrypt(ReadOnlySpan<byte> key, Span<byte> block)
    {
        Check(key, block);
        var left = block[..HalfSize];
        var right = block[HalfSize..];
        StreamXor(left, key[..32], right);
        HashXor(key[32..96], right, left);
        StreamXor(left, key[96..128], right);
        HashXor(key[128..192], right, left);
    }

    /// <summary>Decrypts <paramref name="block"/> in place: the four rounds of <see cref="Encrypt"/> in reverse.</summary>
    public static void Decrypt(ReadOnlySpan<byte> key, Span<byte> block)
    {
        Check(key, block);
        var left = block[..HalfSize];
        var right = block[HalfSize..];
        HashXor(key[128..192], right, left);
        StreamXor(left, key[96..128], right);
        HashXor(key[32..96], right, left);
        StreamXor(left, key[..32], right);
    }

    private static void Check(ReadOnlySpan<byte> key, Span<byte> block)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"A Lioness key is {KeySize} bytes, not {key.Length}.", nameof(key));
        }

        if (!IsValidBlockLength(block.Length))
        {
            throw new ArgumentException("Lioness block size must exceed 32 bytes.", nameof(block));
        }
    }

    /// <summary>R ^= ChaCha20(key = L ⊕ K, nonce 0, counter 0).</summary>
    private static void StreamXor(ReadOnlySpan<byte> left, ReadOnlySpan<byte> subkey, Span<byte> right)
    {
        Span<byte> streamKey = stackalloc byte[32];
        for (int i = 0; i < 32; i++)
        {
            streamKey[i] = (byte)(left[i] ^ subkey[i]);
        }

        ReadOnlySpan<byte> nonce = [0, 0, 0, 0, 0, 0, 0, 0];
        Sodium.crypto_stream_chacha20_xor(right, right, (ulong)right.Length, nonce, streamKey);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(streamKey);
    }

    /// <summary>L ^= BLAKE2b-256 keyed with the 64-byte subkey over R.</summary>
    private static void HashXor(ReadOnlySpan<byte> subkey, ReadOnlySpan<byte> right, Span<byte> left)
    {
        Span<byte> digest = stackalloc byte[32];
        Sodium.crypto_generichash_blake2b(digest, 32, right, (ulong)right.Length, subkey, (nuint)subkey.Length);
        for (int i = 0; i < 32; i++)
        {
            left[i] ^= digest[i];
        }
    }
}
