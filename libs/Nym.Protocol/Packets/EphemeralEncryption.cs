using System.Security.Cryptography;
using Nym.Protocol.Crypto;
using Nym.Sphinx.Crypto;

namespace Nym.Protocol.Packets;

/// <summary>
/// How a fragment is hidden from every node, gateways included (nym-mixnet.md §2.2):
/// g^e(32) ‖ AES-128-CTR(k, IV 0, content) with k = HKDF-BLAKE3(X25519(e, recipient encryption key))[..16].
/// </summary>
public static class EphemeralEncryption
{
    public const int PublicKeyLength = 32;
    private const int KeyLength = 16;

    /// <summary>output = g^e ‖ AES-CTR(k, 0, content); output.Length = 32 + content.Length.</summary>
    public static void Encrypt(ReadOnlySpan<byte> ephemeralPrivateKey, ReadOnlySpan<byte> recipientEncryptionKey, ReadOnlySpan<byte> content, Span<byte> output)
    {
        X25519.DerivePublicKey(ephemeralPrivateKey, output[..PublicKeyLength]);
        Span<byte> key = stackalloc byte[KeyLength];
        DeriveKey(ephemeralPrivateKey, recipientEncryptionKey, key);
        Aes128Ctr.Transform(key, Aes128Ctr.ZeroIv, content, output.Slice(PublicKeyLength, content.Length));
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>Recovers the content of <paramref name="pushed"/> (g^e ‖ ciphertext) with the recipient's private key.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> encryptionPrivateKey, ReadOnlySpan<byte> pushed, Span<byte> content)
    {
        if (pushed.Length < PublicKeyLength || content.Length < pushed.Length - PublicKeyLength)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[KeyLength];
        DeriveKey(encryptionPrivateKey, pushed[..PublicKeyLength], key);
        Aes128Ctr.Transform(key, Aes128Ctr.ZeroIv, pushed[PublicKeyLength..], content);
        CryptographicOperations.ZeroMemory(key);
        return true;
    }

    private static void DeriveKey(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> key)
    {
        Span<byte> shared = stackalloc byte[32];
        X25519.SharedSecret(privateKey, publicKey, shared);
        Blake3Kdf.Derive(shared, key);
        CryptographicOperations.ZeroMemory(shared);
    }
}
