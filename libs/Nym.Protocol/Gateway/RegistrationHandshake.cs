using System.Security.Cryptography;
using NSec.Cryptography;
using Nym.Sphinx.Crypto;
using X25519 = Nym.Sphinx.Crypto.X25519;

namespace Nym.Protocol.Gateway;

/// <summary>How the two handshake signatures are encrypted (nym-mixnet.md §5.2, DESIGN D1).</summary>
public enum HandshakeFormat
{
    /// <summary>Ours: a fresh random IV in front of each encrypted signature.</summary>
    D1,

    /// <summary>Nym 1.0.1: IV 0, the same keystream as every later frame.</summary>
    Nym,
}

/// <summary>Why a handshake message from the peer is refused; the handshake then ends with a handshakeError.</summary>
public enum HandshakeFailure
{
    None,

    /// <summary>Wrong length, or an identity key that is not a key.</summary>
    MalformedMessage,

    /// <summary>The peer's signature over the ephemeral keys does not verify.</summary>
    InvalidSignature,
}

public static class HandshakeFailures
{
    /// <summary>The text for <see cref="HandshakeErrorMessage"/> (Nym's for an invalid signature).</summary>
    public static string Display(this HandshakeFailure failure) => failure switch
    {
        HandshakeFailure.MalformedMessage => "received malformed handshake message",
        HandshakeFailure.InvalidSignature => "received invalid signature",
        _ => "",
    };
}

/// <summary>
/// Signs <paramref name="message"/> with an Ed25519 identity key and returns the 64-byte signature. The client's
/// identity key lives in the KeyStore service, so its signing is a call away; the gateway signs in process.
/// </summary>
public delegate ValueTask<byte[]> HandshakeSigner(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

/// <summary>Fills a span with random bytes; tests pass fixed bytes, everything else the OS CSPRNG.</summary>
public delegate void RandomFill(Span<byte> destination);

/// <summary>
/// The pieces both sides of the registration handshake share (nym-mixnet.md §5.2). Four binary payloads, each sent as
/// a <see cref="HandshakePayloadMessage"/>:
/// <code>
/// 1 C→G  ID_C(32) ‖ g^x(32)
/// 2 G→C  g^y(32) ‖ [IV_G(16), D1 only] ‖ AES-128-CTR(enc_key, IV_G or 0, Sig_G(g^y ‖ g^x))(64)
/// 3 C→G           [IV_C(16), D1 only] ‖ AES-128-CTR(enc_key, IV_C or 0, Sig_C(g^x ‖ g^y))(64)
/// 4 G→C  [1]
/// </code>
/// </summary>
public abstract class RegistrationHandshake
{
    private readonly RandomFill _fillRandom;

    public const int KeyLength = 32;
    public const int SignatureLength = 64;
    public const int InitMessageLength = 2 * KeyLength;

    private protected RegistrationHandshake(ReadOnlySpan<byte> ephemeralPrivateKey, HandshakeFormat format, RandomFill? random)
    {
        if (ephemeralPrivateKey.Length != X25519.KeySize)
        {
            throw new ArgumentException($"An X25519 private key is {X25519.KeySize} bytes.", nameof(ephemeralPrivateKey));
        }

        EphemeralPrivateKey = ephemeralPrivateKey.ToArray();
        EphemeralPublicKey = new byte[KeyLength];
        X25519.DerivePublicKey(EphemeralPrivateKey, EphemeralPublicKey);
        Format = format;
        _fillRandom = random ?? RandomNumberGenerator.Fill;
    }

    /// <summary>The gateway's reply once it accepts the client's signature.</summary>
    public static ReadOnlySpan<byte> AcceptedMessage => [1];

    public HandshakeFormat Format { get; }

    /// <summary>Our g^x (client) or g^y (gateway).</summary>
    public byte[] EphemeralPublicKey { get; }

    /// <summary>Known once the peer's ephemeral key has arrived; a caller bug to ask before.</summary>
    public GatewaySharedKeys SharedKeys => Keys ?? throw new InvalidOperationException("The handshake has not derived its keys yet.");

    /// <summary>Length of an encrypted signature with its IV in this format: 80 (D1) or 64 (Nym).</summary>
    public int EncryptedSignatureLength => (Format == HandshakeFormat.D1 ? Aes128Ctr.IvSize : 0) + SignatureLength;

    private protected byte[] EphemeralPrivateKey { get; }

    private protected GatewaySharedKeys? Keys { get; set; }

    private protected static byte[] NewEphemeralKey()
    {
        var key = new byte[X25519.KeySize];
        RandomNumberGenerator.Fill(key);
        X25519.Clamp(key);
        return key;
    }

    private protected static byte[] Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) => [.. first, .. second];

    /// <summary>Signs <paramref name="message"/> with <paramref name="signer"/> and encrypts the signature: [IV ‖] ct.</summary>
    private protected async ValueTask<byte[]> SignAndEncryptAsync(HandshakeSigner signer, byte[] message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var keys = SharedKeys;
        var signature = await signer(message, cancellationToken).ConfigureAwait(false);
        if (signature.Length != SignatureLength)
        {
            throw new InvalidOperationException($"The signer returned {signature.Length} bytes instead of a {SignatureLength}-byte signature.");
        }

        var output = new byte[EncryptedSignatureLength];
        int ivLength = output.Length - SignatureLength;
        if (Format == HandshakeFormat.D1)
        {
            _fillRandom(output.AsSpan(0, ivLength));
        }

        Span<byte> iv = stackalloc byte[Aes128Ctr.IvSize];
        ReadIv(output.AsSpan(0, ivLength), iv);
        Aes128Ctr.Transform(keys.EncryptionKey, iv, signature, output.AsSpan(ivLength));
        return output;
    }

    /// <summary>Decrypts [IV ‖] ct and verifies the signature over <paramref name="message"/> with the peer's identity key.</summary>
    private protected bool VerifyEncryptedSignature(ReadOnlySpan<byte> encrypted, PublicKey identity, ReadOnlySpan<byte> message)
    {
        int ivLength = EncryptedSignatureLength - SignatureLength;
        Span<byte> iv = stackalloc byte[Aes128Ctr.IvSize];
        ReadIv(encrypted[..ivLength], iv);
        Span<byte> signature = stackalloc byte[SignatureLength];
        Aes128Ctr.Transform(SharedKeys.EncryptionKey, iv, encrypted[ivLength..], signature);
        return SignatureAlgorithm.Ed25519.Verify(identity, message, signature);
    }

    /// <summary>The IV in front of a D1 signature, or Nym's 0 when there is none in front.</summary>
    private static void ReadIv(ReadOnlySpan<byte> prefix, Span<byte> iv)
    {
        iv.Clear();
        prefix.CopyTo(iv);
    }

    private protected static bool TryImportIdentity(ReadOnlySpan<byte> publicKey, out PublicKey? identity) =>
        PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out identity);

    /// <summary>A signer over an Ed25519 key held in this process (the gateway's identity; tests).</summary>
    public static HandshakeSigner LocalSigner(Key identityKey)
    {
        ArgumentNullException.ThrowIfNull(identityKey);
        return (message, _) => ValueTask.FromResult(SignatureAlgorithm.Ed25519.Sign(identityKey, message.Span));
    }
}

/// <summary>The client's side of the registration handshake (§5.2). One instance per attempt.</summary>
public sealed class ClientHandshake : RegistrationHandshake
{
    private readonly byte[] _identity;
    private readonly PublicKey _gatewayIdentity;

    /// <summary>A handshake with a fresh ephemeral key.</summary>
    public ClientHandshake(ReadOnlySpan<byte> identityPublicKey, ReadOnlySpan<byte> gatewayIdentityPublicKey, HandshakeFormat format = HandshakeFormat.D1)
        : this(identityPublicKey, gatewayIdentityPublicKey, NewEphemeralKey(), format, null)
    {
    }

    /// <summary>A handshake with a given ephemeral key and IV source (tests reproduce the vectors with them).</summary>
    public ClientHandshake(ReadOnlySpan<byte> identityPublicKey, ReadOnlySpan<byte> gatewayIdentityPublicKey, ReadOnlySpan<byte> ephemeralPrivateKey,
        HandshakeFormat format, RandomFill? random)
        : base(ephemeralPrivateKey, format, random)
    {
        if (identityPublicKey.Length != KeyLength || !TryImportIdentity(gatewayIdentityPublicKey, out var gateway) || gateway is null)
        {
            throw new ArgumentException("Identity keys are 32-byte Ed25519 public keys.");
        }

        _identity = identityPublicKey.ToArray();
        _gatewayIdentity = gateway;
    }

    /// <summary>g^y, once message 2 has arrived.</summary>
    public byte[]? GatewayEphemeralPublicKey { get; private set; }

    /// <summary>Message 1: ID_C ‖ g^x.</summary>
    public byte[] CreateInitMessage() => Concat(_identity, EphemeralPublicKey);

    /// <summary>Takes message 2: derives the shared keys and checks the gateway's signature over g^y ‖ g^x.</summary>
    public bool TryProcessResponse(ReadOnlySpan<byte> message, out HandshakeFailure failure)
    {
        if (message.Length != KeyLength + EncryptedSignatureLength)
        {
            failure = HandshakeFailure.MalformedMessage;
            return false;
        }

        var gatewayEphemeral = message[..KeyLength];
        Keys = GatewaySharedKeys.Derive(EphemeralPrivateKey, gatewayEphemeral);
        if (!VerifyEncryptedSignature(message[KeyLength..], _gatewayIdentity, Concat(gatewayEphemeral, EphemeralPublicKey)))
        {
            Keys = null;
            failure = HandshakeFailure.InvalidSignature;
            return false;
        }

        GatewayEphemeralPublicKey = gatewayEphemeral.ToArray();
        failure = HandshakeFailure.None;
        return true;
    }

    /// <summary>Message 3: the client's signature over g^x ‖ g^y, made by <paramref name="signer"/>, encrypted.</summary>
    public ValueTask<byte[]> CreateFinalMessageAsync(HandshakeSigner signer, CancellationToken cancellationToken)
    {
        var gatewayEphemeral = GatewayEphemeralPublicKey ?? throw new InvalidOperationException("Message 2 has not been accepted.");
        return SignAndEncryptAsync(signer, Concat(EphemeralPublicKey, gatewayEphemeral), cancellationToken);
    }

    /// <summary>Message 4: did the gateway accept us? Anything but <c>[1]</c> is a refusal.</summary>
    public static bool IsAccepted(ReadOnlySpan<byte> message) => message.SequenceEqual(AcceptedMessage);
}

/// <summary>The gateway's side of the registration handshake (§5.2). One instance per attempt.</summary>
public sealed class GatewayHandshake : RegistrationHandshake
{
    private PublicKey? _clientIdentityKey;
    private byte[]? _clientEphemeral;

    /// <summary>A handshake with a fresh ephemeral key.</summary>
    public GatewayHandshake(HandshakeFormat format = HandshakeFormat.D1)
        : this(NewEphemeralKey(), format, null)
    {
    }

    /// <summary>A handshake with a given ephemeral key and IV source (tests reproduce the vectors with them).</summary>
    public GatewayHandshake(ReadOnlySpan<byte> ephemeralPrivateKey, HandshakeFormat format, RandomFill? random)
        : base(ephemeralPrivateKey, format, random)
    {
    }

    /// <summary>The client's identity (its address), from message 1.</summary>
    public byte[]? ClientIdentity { get; private set; }

    /// <summary>Takes message 1: the client's identity and g^x; derives the shared keys.</summary>
    public bool TryProcessInit(ReadOnlySpan<byte> message, out HandshakeFailure failure)
    {
        if (message.Length != InitMessageLength || !TryImportIdentity(message[..KeyLength], out var identity) || identity is null)
        {
            failure = HandshakeFailure.MalformedMessage;
            return false;
        }

        ClientIdentity = message[..KeyLength].ToArray();
        _clientIdentityKey = identity;
        _clientEphemeral = message[KeyLength..].ToArray();
        Keys = GatewaySharedKeys.Derive(EphemeralPrivateKey, _clientEphemeral);
        failure = HandshakeFailure.None;
        return true;
    }

    /// <summary>Message 2: g^y ‖ the gateway's encrypted signature over g^y ‖ g^x.</summary>
    public async ValueTask<byte[]> CreateResponseAsync(HandshakeSigner signer, CancellationToken cancellationToken)
    {
        var clientEphemeral = _clientEphemeral ?? throw new InvalidOperationException("Message 1 has not been accepted.");
        var encrypted = await SignAndEncryptAsync(signer, Concat(EphemeralPublicKey, clientEphemeral), cancellationToken).ConfigureAwait(false);
        return Concat(EphemeralPublicKey, encrypted);
    }

    /// <summary>Takes message 3: checks the client's signature over g^x ‖ g^y. On success send <see cref="RegistrationHandshake.AcceptedMessage"/>.</summary>
    public bool TryProcessFinal(ReadOnlySpan<byte> message, out HandshakeFailure failure)
    {
        if (_clientIdentityKey is null || _clientEphemeral is null)
        {
            throw new InvalidOperationException("Message 1 has not been accepted.");
        }

        if (message.Length != EncryptedSignatureLength)
        {
            failure = HandshakeFailure.MalformedMessage;
            return false;
        }

        if (!VerifyEncryptedSignature(message, _clientIdentityKey, Concat(_clientEphemeral, EphemeralPublicKey)))
        {
            failure = HandshakeFailure.InvalidSignature;
            return false;
        }

        failure = HandshakeFailure.None;
        return true;
    }
}
