using System.Security.Cryptography;
using Nym.Protocol.Encoding;
using Nym.Sphinx.Crypto;

namespace Nym.Protocol.Gateway;

/// <summary>
/// A control message in a websocket Text frame between a client and its gateway (nym-mixnet.md §5.2–5.4): serde's
/// internally tagged JSON, <c>{"type":"camelCaseVariant", snake_case fields…}</c>. <see cref="ToJson"/> gives Nym's
/// exact text; <see cref="GatewayText"/> parses it.
/// </summary>
public abstract record GatewayTextMessage
{
    public abstract string ToJson();
}

/// <summary>A registration handshake step, either direction (§5.2): <c>{"type":"handshakePayload","data":[…]}</c>.</summary>
public sealed record HandshakePayloadMessage(byte[] Data) : GatewayTextMessage
{
    public const string Type = "handshakePayload";

    public override string ToJson() => SerdeJson.Tagged(Type).Bytes("data", Data).ToString();
}

/// <summary>Ends the handshake, either direction (§5.2): <c>{"type":"handshakeError","message":"…"}</c>.</summary>
public sealed record HandshakeErrorMessage(string Message) : GatewayTextMessage
{
    public const string Type = "handshakeError";

    public override string ToJson() => SerdeJson.Tagged(Type).String("message", Message).ToString();
}

/// <summary>
/// A returning client proves it holds the shared keys (§5.3):
/// <c>{"type":"authenticate","address":b58(ID_C),"enc_address":b58(proof),"iv":b58(iv)}</c>.
/// <para>Nym 1.0.1: proof = AES-128-CTR(enc_key, iv, ID_C). Anyone who knows any keystream block of enc_key can forge
/// it, and with D1 every frame's IV is public and many frame plaintexts are known (a ForwardSphinx frame carries the
/// packet the first mix then sees), so D1 takes the proof from the MAC key instead, which never encrypts anything:
/// proof = HMAC-BLAKE3(mac_key, "NymAspire/gateway/authenticate/v1" ‖ iv ‖ ID_C). Same JSON, same lengths.</para>
/// </summary>
/// <param name="Address">The client's identity public key, 32 bytes.</param>
/// <param name="EncryptedAddress">The proof over the address and <paramref name="Iv"/>, 32 bytes.</param>
/// <param name="Iv">16 random bytes (D9: the gateway refuses one it has already accepted for that client).</param>
public sealed record AuthenticateRequest(byte[] Address, byte[] EncryptedAddress, byte[] Iv) : GatewayTextMessage
{
    public const string Type = "authenticate";
    public const int AddressLength = 32;

    private static ReadOnlySpan<byte> D1ProofLabel => "NymAspire/gateway/authenticate/v1"u8;

    /// <summary>Builds the request under a fresh IV from the operating system's CSPRNG.</summary>
    public static AuthenticateRequest Create(GatewaySharedKeys keys, ReadOnlySpan<byte> address, HandshakeFormat format = HandshakeFormat.D1)
    {
        Span<byte> iv = stackalloc byte[Aes128Ctr.IvSize];
        RandomNumberGenerator.Fill(iv);
        return Create(keys, address, iv, format);
    }

    public static AuthenticateRequest Create(GatewaySharedKeys keys, ReadOnlySpan<byte> address, ReadOnlySpan<byte> iv, HandshakeFormat format = HandshakeFormat.D1)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (address.Length != AddressLength)
        {
            throw new ArgumentException($"An address is {AddressLength} bytes.", nameof(address));
        }

        var proof = new byte[AddressLength];
        Prove(keys, address, iv, format, proof);
        return new AuthenticateRequest(address.ToArray(), proof, iv.ToArray());
    }

    /// <summary>The gateway's check: was <see cref="EncryptedAddress"/> made with these keys? Constant time.</summary>
    public bool IsValidFor(GatewaySharedKeys keys, HandshakeFormat format = HandshakeFormat.D1)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (Address.Length != AddressLength || EncryptedAddress.Length != AddressLength || Iv.Length != Aes128Ctr.IvSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[AddressLength];
        Prove(keys, Address, Iv, format, expected);
        return CryptographicOperations.FixedTimeEquals(expected, EncryptedAddress);
    }

    private static void Prove(GatewaySharedKeys keys, ReadOnlySpan<byte> address, ReadOnlySpan<byte> iv, HandshakeFormat format, Span<byte> proof)
    {
        if (format == HandshakeFormat.Nym)
        {
            Aes128Ctr.Transform(keys.EncryptionKey, iv, address, proof);
            return;
        }

        Span<byte> message = stackalloc byte[D1ProofLabel.Length + Aes128Ctr.IvSize + AddressLength];
        D1ProofLabel.CopyTo(message);
        iv.CopyTo(message[D1ProofLabel.Length..]);
        address.CopyTo(message[(D1ProofLabel.Length + Aes128Ctr.IvSize)..]);
        Crypto.Blake3Kdf.Hmac(keys.MacKey, message, proof);
    }

    public override string ToJson() => SerdeJson.Tagged(Type)
        .String("address", Base58.Encode(Address))
        .String("enc_address", Base58.Encode(EncryptedAddress))
        .String("iv", Base58.Encode(Iv))
        .ToString();
}

/// <summary>
/// A bandwidth credential (§5.6, unused by us: D10): <c>{"type":"bandwidthCredential","enc_credential":[…],"iv":[…]}</c>
/// with enc_credential = Nym's <c>encrypt_and_tag(credential, Some(iv))</c>.
/// </summary>
public sealed record BandwidthCredentialRequest(byte[] EncryptedCredential, byte[] Iv) : GatewayTextMessage
{
    public const string Type = "bandwidthCredential";

    public static BandwidthCredentialRequest Create(GatewaySharedKeys keys, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> credential)
    {
        var encrypted = new byte[NymGatewayFrame.GetEncryptedLength(credential.Length)];
        NymGatewayFrame.Encrypt(keys, iv, credential, encrypted);
        return new BandwidthCredentialRequest(encrypted, iv.ToArray());
    }

    public override string ToJson() => SerdeJson.Tagged(Type).Bytes("enc_credential", EncryptedCredential).Bytes("iv", Iv).ToString();
}

/// <summary><c>{"type":"claimFreeTestnetBandwidth"}</c> (§5.6).</summary>
public sealed record ClaimFreeTestnetBandwidthRequest : GatewayTextMessage
{
    public const string Type = "claimFreeTestnetBandwidth";

    public override string ToJson() => SerdeJson.Tagged(Type).ToString();
}

/// <summary><c>{"type":"authenticate","status":bool,"bandwidth_remaining":i64}</c> (§5.3).</summary>
public sealed record AuthenticateResponse(bool Status, long BandwidthRemaining) : GatewayTextMessage
{
    public const string Type = "authenticate";

    public override string ToJson() => SerdeJson.Tagged(Type).Bool("status", Status).Int64("bandwidth_remaining", BandwidthRemaining).ToString();
}

/// <summary><c>{"type":"register","status":bool}</c>, the gateway's last word after a registration (§5.2).</summary>
public sealed record RegisterResponse(bool Status) : GatewayTextMessage
{
    public const string Type = "register";

    public override string ToJson() => SerdeJson.Tagged(Type).Bool("status", Status).ToString();
}

/// <summary><c>{"type":"bandwidth","available_total":i64}</c> (§5.4).</summary>
public sealed record BandwidthResponse(long AvailableTotal) : GatewayTextMessage
{
    public const string Type = "bandwidth";

    public override string ToJson() => SerdeJson.Tagged(Type).Int64("available_total", AvailableTotal).ToString();
}

/// <summary><c>{"type":"send","remaining_bandwidth":i64}</c> (§5.4).</summary>
public sealed record SendResponse(long RemainingBandwidth) : GatewayTextMessage
{
    public const string Type = "send";

    public override string ToJson() => SerdeJson.Tagged(Type).Int64("remaining_bandwidth", RemainingBandwidth).ToString();
}

/// <summary><c>{"type":"error","message":"…"}</c> (§5.3–5.4).</summary>
public sealed record ErrorResponse(string Message) : GatewayTextMessage
{
    public const string Type = "error";

    /// <summary>The gateway's answer to a binary frame before authentication (§5.3).</summary>
    public static ErrorResponse BinaryBeforeAuthentication { get; } = new("binary request without prior authentication");

    public override string ToJson() => SerdeJson.Tagged(Type).String("message", Message).ToString();
}
