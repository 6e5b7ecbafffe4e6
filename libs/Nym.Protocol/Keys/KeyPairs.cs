using System.Security.Cryptography;
using NSec.Cryptography;
using Nym.Protocol.Encoding;
using Nym.Sphinx;
using X25519 = Nym.Sphinx.Crypto.X25519;

namespace Nym.Protocol.Keys;

/// <summary>
/// An Ed25519 identity key (ed25519-dalek: the private key is the 32-byte RFC 8032 seed). A client's address is
/// its public key's raw bytes. <see cref="ToString"/> never shows the private key.
/// </summary>
public sealed class IdentityKeyPair
{
    public const int PublicKeyLength = 32;
    public const int PrivateKeyLength = 32;
    public const int SignatureLength = 64;
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly byte[] _seed;

    private IdentityKeyPair(byte[] seed)
    {
        _seed = seed;
        using var key = Import(seed);
        PublicKey = Bytes32.From(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public Bytes32 PublicKey { get; }

    public string PublicKeyBase58 => Base58.Encode(PublicKey.AsReadOnlySpan());

    public static IdentityKeyPair Generate() => new(RandomNumberGenerator.GetBytes(PrivateKeyLength));

    public static IdentityKeyPair FromPrivateKey(ReadOnlySpan<byte> seed) => seed.Length == PrivateKeyLength
        ? new IdentityKeyPair(seed.ToArray())
        : throw new ArgumentException($"An Ed25519 private key is {PrivateKeyLength} bytes.", nameof(seed));

    /// <summary>The private key, for the one owner that stores it (the KeyStore).</summary>
    public ReadOnlySpan<byte> PrivateKey => _seed;

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        using var key = Import(_seed);
        return Ed25519.Sign(key, message);
    }

    /// <summary>Verifies an RFC 8032 signature; false for a malformed key or signature, never an exception.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureLength
        && NSec.Cryptography.PublicKey.TryImport(Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key)
        && Ed25519.Verify(key!, message, signature);

    /// <summary>Uninformative on purpose: the public key is the client's address, which logs must not show.</summary>
    public override string ToString() => nameof(IdentityKeyPair);

    private static Key Import(ReadOnlySpan<byte> seed) => Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey);
}

/// <summary>
/// An X25519 key pair (x25519-dalek StaticSecret: the private key is stored clamped). Clients use it to receive
/// fragments; nodes use it as their Sphinx key. <see cref="ToString"/> never shows the private key.
/// </summary>
public sealed class EncryptionKeyPair
{
    public const int KeyLength = X25519.KeySize;
    private readonly byte[] _privateKey;

    private EncryptionKeyPair(byte[] privateKey)
    {
        X25519.Clamp(privateKey);
        _privateKey = privateKey;
        Span<byte> publicKey = stackalloc byte[KeyLength];
        X25519.DerivePublicKey(privateKey, publicKey);
        PublicKey = Bytes32.From(publicKey);
    }

    public Bytes32 PublicKey { get; }

    public string PublicKeyBase58 => Base58.Encode(PublicKey.AsReadOnlySpan());

    public ReadOnlySpan<byte> PrivateKey => _privateKey;

    public static EncryptionKeyPair Generate() => new(RandomNumberGenerator.GetBytes(KeyLength));

    public static EncryptionKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey) => privateKey.Length == KeyLength
        ? new EncryptionKeyPair(privateKey.ToArray())
        : throw new ArgumentException($"An X25519 private key is {KeyLength} bytes.", nameof(privateKey));

    /// <summary>Uninformative on purpose: the public key is part of the client's address, which logs must not show.</summary>
    public override string ToString() => nameof(EncryptionKeyPair);
}

/// <summary>The 16-byte AES-128 key a client encrypts the fragment ids of its SURB-ACKs with (nym-mixnet.md §2.4).</summary>
public sealed class AckKey
{
    public const int Length = 16;
    private readonly byte[] _key;

    private AckKey(byte[] key) => _key = key;

    public ReadOnlySpan<byte> Bytes => _key;

    public static AckKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    public static AckKey FromBytes(ReadOnlySpan<byte> key) => key.Length == Length
        ? new AckKey(key.ToArray())
        : throw new ArgumentException($"An ack key is {Length} bytes.", nameof(key));

    public override string ToString() => nameof(AckKey);
}
