namespace Nym.Protocol.Crypto;

/// <summary>
/// HMAC and HKDF over BLAKE3, as Nym 1.0.1 builds them (<c>hmac::SimpleHmac&lt;blake3::Hasher&gt;</c>, block 64,
/// output 32; <c>hkdf</c> 0.12 over it with salt None and empty info; nym-mixnet.md §2.1). Used for the packet
/// ephemeral key, the gateway shared keys and the gateway frame MAC.
/// </summary>
public static class Blake3Kdf
{
    public const int OutputSize = 32;
    private const int BlockSize = 64;

    /// <summary>mac = HMAC-BLAKE3(key, data₁ ‖ data₂), 32 bytes.</summary>
    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac) => Hmac(key, data, default, mac);

    /// <summary>mac = HMAC-BLAKE3(key, first ‖ second), 32 bytes, without concatenating the inputs.</summary>
    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> mac)
    {
        Span<byte> padded = stackalloc byte[BlockSize];
        padded.Clear();
        if (key.Length > BlockSize)
        {
            Blake3.Hasher.Hash(key, padded[..OutputSize]);
        }
        else
        {
            key.CopyTo(padded);
        }

        Span<byte> pad = stackalloc byte[BlockSize];
        Span<byte> inner = stackalloc byte[OutputSize];
        for (int i = 0; i < BlockSize; i++)
        {
            pad[i] = (byte)(padded[i] ^ 0x36);
        }

        using (var hasher = Blake3.Hasher.New())
        {
            hasher.Update(pad);
            hasher.Update(first);
            hasher.Update(second);
            hasher.Finalize(inner);
        }

        for (int i = 0; i < BlockSize; i++)
        {
            pad[i] = (byte)(padded[i] ^ 0x5c);
        }

        using (var hasher = Blake3.Hasher.New())
        {
            hasher.Update(pad);
            hasher.Update(inner);
            hasher.Finalize(mac[..OutputSize]);
        }
    }

    /// <summary>okm = HKDF-BLAKE3(salt None, ikm, info empty), any length up to 255 × 32 bytes.</summary>
    public static void Derive(ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output)
    {
        if (output.Length > 255 * OutputSize)
        {
            throw new ArgumentException("HKDF cannot produce more than 255 blocks.", nameof(output));
        }

        Span<byte> prk = stackalloc byte[OutputSize];
        Hmac(default, inputKeyMaterial, prk);

        Span<byte> block = stackalloc byte[OutputSize + 1];
        Span<byte> previous = stackalloc byte[OutputSize];
        int previousLength = 0;
        for (int offset = 0, counter = 1; offset < output.Length; offset += OutputSize, counter++)
        {
            // T(i) = HMAC(PRK, T(i−1) ‖ info ‖ i) with empty info.
            previous[..previousLength].CopyTo(block);
            block[previousLength] = (byte)counter;
            Hmac(prk, block[..(previousLength + 1)], previous);
            previousLength = OutputSize;
            int n = Math.Min(OutputSize, output.Length - offset);
            previous[..n].CopyTo(output[offset..]);
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(prk);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(previous);
    }

    /// <summary>BLAKE3 digest of <paramref name="data"/> (32 bytes), e.g. the reply key digest.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest) => Blake3.Hasher.Hash(data, digest[..OutputSize]);
}
