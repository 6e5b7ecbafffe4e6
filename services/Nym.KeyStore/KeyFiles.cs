using Nym.Protocol.Keys;

namespace Nym.KeyStore;

/// <summary>One of Nym 1.0.1's key files of a client: its name in the data directory, PEM tag and byte length (nym-client-api.md §6).</summary>
internal sealed record KeyFile(string Name, string Tag, int Length)
{
    public static readonly KeyFile PrivateIdentity = new("private_identity.pem", Pem.Ed25519PrivateKey, IdentityKeyPair.PrivateKeyLength);
    public static readonly KeyFile PublicIdentity = new("public_identity.pem", Pem.Ed25519PublicKey, IdentityKeyPair.PublicKeyLength);
    public static readonly KeyFile PrivateEncryption = new("private_encryption.pem", Pem.X25519PrivateKey, EncryptionKeyPair.KeyLength);
    public static readonly KeyFile PublicEncryption = new("public_encryption.pem", Pem.X25519PublicKey, EncryptionKeyPair.KeyLength);
    public static readonly KeyFile Ack = new("ack_key.pem", Pem.AckKey, AckKey.Length);
    public static readonly KeyFile GatewayShared = new("gateway_shared.pem", Pem.GatewaySharedKeys, Nym.Protocol.Gateway.GatewaySharedKeys.Length);

    /// <summary>The files `init` writes before any gateway is known; a client exists when any of them does.</summary>
    public static readonly KeyFile[] ClientKeys = [PublicIdentity, PrivateIdentity, PublicEncryption, PrivateEncryption, Ack];
}

/// <summary>A client's long-term keys, as loaded from its files. Immutable, so cached copies can be shared.</summary>
internal sealed record ClientKeys(IdentityKeyPair Identity, EncryptionKeyPair Encryption, AckKey Ack);

/// <summary>What the service keeps in memory of a client: its keys and, once registered, its gateway's identity.</summary>
internal sealed record ClientEntry(ClientKeys Keys, byte[]? GatewayIdentity);

/// <summary>The source of new key material; tests give fixed bytes to compare files with known ones.</summary>
internal delegate byte[] KeyRandomness(int length);
