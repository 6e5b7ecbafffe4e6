using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Nym.Protocol.Crypto;
using Nym.Protocol.Encoding;
using Nym.Sphinx.Crypto;

namespace Nym.Protocol.Gateway;

/// <summary>
/// The keys a client shares with its gateway after the registration handshake (nym-mixnet.md §5.1):
/// okm = HKDF-BLAKE3(salt ∅, X25519(eph_c, eph_g), info ∅, 32), enc_key = okm[0..16] (AES-128-CTR),
/// mac_key = okm[16..32] (HMAC-BLAKE3). Stored and sent between services as the 32 bytes enc ‖ mac, or their base58.
/// </summary>
public sealed class GatewaySharedKeys
{
    public const int KeyLength = Aes128Ctr.KeySize;
    public const int Length = 2 * KeyLength;

    private readonly byte[] _keys;

    private GatewaySharedKeys(byte[] keys) => _keys = keys;

    public ReadOnlySpan<byte> EncryptionKey => _keys.AsSpan(0, KeyLength);

    public ReadOnlySpan<byte> MacKey => _keys.AsSpan(KeyLength, KeyLength);

    /// <summary>Derives the keys from our ephemeral private key and the peer's ephemeral public key (either side).</summary>
    public static GatewaySharedKeys Derive(ReadOnlySpan<byte> localEphemeralPrivateKey, ReadOnlySpan<byte> remoteEphemeralPublicKey)
    {
        Span<byte> dh = stackalloc byte[X25519.KeySize];
        X25519.SharedSecret(localEphemeralPrivateKey, remoteEphemeralPublicKey, dh);
        var keys = new byte[Length];
        Blake3Kdf.Derive(dh, keys);
        CryptographicOperations.ZeroMemory(dh);
        return new GatewaySharedKeys(keys);
    }

    /// <summary>enc_key ‖ mac_key, 32 bytes (gateway_shared.pem's content).</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out GatewaySharedKeys? keys)
    {
        keys = bytes.Length == Length ? new GatewaySharedKeys(bytes.ToArray()) : null;
        return keys is not null;
    }

    public static GatewaySharedKeys FromKeys(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> macKey)
    {
        if (encryptionKey.Length != KeyLength || macKey.Length != KeyLength)
        {
            throw new ArgumentException($"Both keys are {KeyLength} bytes.");
        }

        var keys = new byte[Length];
        encryptionKey.CopyTo(keys);
        macKey.CopyTo(keys.AsSpan(KeyLength));
        return new GatewaySharedKeys(keys);
    }

    public static bool TryFromBase58(ReadOnlySpan<char> text, [NotNullWhen(true)] out GatewaySharedKeys? keys)
    {
        var bytes = new byte[Length];
        keys = Base58.TryDecodeExact(text, bytes) ? new GatewaySharedKeys(bytes) : null;
        return keys is not null;
    }

    public void CopyTo(Span<byte> destination) => _keys.CopyTo(destination);

    public string ToBase58() => Base58.Encode(_keys);

    /// <summary>Deliberately uninformative: these are secrets.</summary>
    public override string ToString() => nameof(GatewaySharedKeys);
}
