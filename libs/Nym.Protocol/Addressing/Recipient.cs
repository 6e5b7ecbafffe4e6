using System.Diagnostics.CodeAnalysis;
using Nym.Protocol.Encoding;
using Nym.Sphinx;

namespace Nym.Protocol.Addressing;

/// <summary>
/// A Nym client address (nym-client-api.md §4): the client's Ed25519 identity key, its X25519 encryption key and
/// its gateway's Ed25519 identity key.
/// Bytes: identity(32) ‖ encryption(32) ‖ gateway(32), no length prefix.
/// Text: "&lt;b58 identity&gt;.&lt;b58 encryption&gt;@&lt;b58 gateway&gt;" (bs58, Bitcoin alphabet, no checksum).
/// Addresses identify people: callers must keep them out of logs, traces and metrics (DESIGN.md, principle 2).
/// </summary>
public sealed class Recipient : IEquatable<Recipient>
{
    public const int Length = 3 * 32;

    /// <summary>Wraps three keys; throws when an Ed25519 key is not a curve point, which only a caller bug produces.</summary>
    public Recipient(Bytes32 identity, Bytes32 encryptionKey, Bytes32 gateway)
    {
        if (!Ed25519Point.CanDecompress(identity) || !Ed25519Point.CanDecompress(gateway))
        {
            throw new ArgumentException("An Ed25519 public key does not decompress to a curve point.");
        }

        Identity = identity;
        EncryptionKey = encryptionKey;
        Gateway = gateway;
    }

    /// <summary>The client's Ed25519 identity key.</summary>
    public Bytes32 Identity { get; }

    /// <summary>The client's X25519 key, which Nym never validates.</summary>
    public Bytes32 EncryptionKey { get; }

    /// <summary>The gateway's Ed25519 identity key (also its id in config).</summary>
    public Bytes32 Gateway { get; }

    /// <summary>Where Sphinx packets for this client end: the raw identity key with a zero SURB identifier (§4).</summary>
    public SphinxDestination SphinxDestination => new(Identity, default);

    /// <summary>
    /// Parses the text form as Nym's <c>try_from_base58_string</c> does: split on "@" (exactly two parts), the left part
    /// on "." (exactly two parts), then decode identity, encryption key and gateway in that order; the first failure is
    /// reported. Never throws.
    /// </summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out Recipient? recipient,
        [NotNullWhen(false)] out RecipientError? error)
    {
        recipient = null;
        string[] atParts = (text ?? "").Split('@');
        string[] dotParts = atParts[0].Split('.');
        if (atParts.Length != 2 || dotParts.Length != 2)
        {
            error = RecipientError.Malformed;
            return false;
        }

        byte[] encryptionKey = [], gateway = [];
        error = TryDecodeEd25519(dotParts[0], RecipientErrorClass.MalformedIdentityError, out var identity);
        error ??= TryDecodeX25519(dotParts[1], out encryptionKey);
        error ??= TryDecodeEd25519(atParts[1], RecipientErrorClass.MalformedGatewayError, out gateway);
        if (error is not null)
        {
            return false;
        }

        recipient = new Recipient(identity, encryptionKey, gateway);
        return true;
    }

    /// <summary>
    /// Reads the 96-byte form, rejecting an identity or gateway key that is not an Ed25519 point (identity first).
    /// A span of another length is refused as <see cref="RecipientError.Malformed"/>. Never throws.
    /// </summary>
    public static bool TryFromBytes(
        ReadOnlySpan<byte> bytes,
        [NotNullWhen(true)] out Recipient? recipient,
        [NotNullWhen(false)] out RecipientError? error)
    {
        recipient = null;
        if (bytes.Length != Length)
        {
            error = RecipientError.Malformed;
            return false;
        }

        var identity = bytes[..32];
        var gateway = bytes[64..];
        error = !Ed25519Point.CanDecompress(identity) ? RecipientError.NotOnCurve(RecipientErrorClass.MalformedIdentityError)
            : !Ed25519Point.CanDecompress(gateway) ? RecipientError.NotOnCurve(RecipientErrorClass.MalformedGatewayError)
            : null;
        if (error is not null)
        {
            return false;
        }

        recipient = new Recipient(identity, bytes[32..64], gateway);
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        Identity.AsReadOnlySpan().CopyTo(destination);
        EncryptionKey.AsReadOnlySpan().CopyTo(destination[32..]);
        Gateway.AsReadOnlySpan().CopyTo(destination[64..]);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Deliberately uninformative: an address must never reach a log line (DESIGN.md principle 2). The text form is
    /// <see cref="ToBase58String"/>.
    /// </summary>
    public override string ToString() => nameof(Recipient);

    /// <summary>The text form, as Nym's Display writes it: "identity.encryption@gateway", each in base58.</summary>
    public string ToBase58String()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return $"{Base58.Encode(bytes[..32])}.{Base58.Encode(bytes[32..64])}@{Base58.Encode(bytes[64..])}";
    }

    public bool Equals(Recipient? other) =>
        other is not null && Identity == other.Identity && EncryptionKey == other.EncryptionKey && Gateway == other.Gateway;

    public override bool Equals(object? obj) => Equals(obj as Recipient);

    public override int GetHashCode() => HashCode.Combine(Identity, EncryptionKey, Gateway);

    public static bool operator ==(Recipient? left, Recipient? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(Recipient? left, Recipient? right) => !(left == right);

    /// <summary>For keys already checked by the parsers.</summary>
    private Recipient(ReadOnlySpan<byte> identity, ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> gateway)
    {
        Identity = Bytes32.From(identity);
        EncryptionKey = Bytes32.From(encryptionKey);
        Gateway = Bytes32.From(gateway);
    }

    /// <summary>An Ed25519 key as ed25519-dalek's <c>PublicKey::from_bytes</c> accepts it: 32 bytes that decompress.</summary>
    private static RecipientError? TryDecodeEd25519(string text, RecipientErrorClass errorClass, out byte[] key)
    {
        key = [];
        if (Base58Problem.Find(text) is { } problem)
        {
            return RecipientError.BadString(errorClass, problem);
        }

        // A text too long for 32 bytes is refused before decoding, with the same wrong-length error.
        if (!Base58.TryDecode(text, 32, out key) || key.Length != 32)
        {
            return RecipientError.WrongLength(errorClass);
        }

        return Ed25519Point.CanDecompress(key) ? null : RecipientError.NotOnCurve(errorClass);
    }

    /// <summary>An X25519 key: any 32 bytes.</summary>
    private static RecipientError? TryDecodeX25519(string text, out byte[] key)
    {
        key = [];
        if (Base58Problem.Find(text) is { } problem)
        {
            return RecipientError.BadString(RecipientErrorClass.MalformedEncryptionKeyError, problem);
        }

        return Base58.TryDecode(text, 32, out key) && key.Length == 32 ? null : RecipientError.InvalidEncryptionKey;
    }
}
