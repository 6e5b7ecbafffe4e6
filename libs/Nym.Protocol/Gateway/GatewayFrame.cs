using System.Security.Cryptography;
using Nym.Protocol.Crypto;
using Nym.Sphinx.Crypto;

namespace Nym.Protocol.Gateway;

/// <summary>Why a binary websocket frame does not decrypt (Nym's <c>GatewayRequestsError</c> variants).</summary>
public enum GatewayFrameError
{
    None,

    /// <summary>Shorter than the MAC (and, in D1, the IV).</summary>
    TooShortRequest,

    /// <summary>The MAC does not match: wrong keys or altered bytes.</summary>
    InvalidMac,
}

public static class GatewayFrameErrors
{
    /// <summary>Nym's display text of the error.</summary>
    public static string Display(this GatewayFrameError error) => error switch
    {
        GatewayFrameError.TooShortRequest => "the request is too short",
        GatewayFrameError.InvalidMac => "provided MAC is invalid",
        _ => "",
    };
}

/// <summary>
/// Our encryption of every binary websocket frame between a client and its gateway after registration
/// (DESIGN deviation D1, nym-mixnet.md §5.4): a fresh random IV per frame instead of Nym's IV 0.
/// <code>
/// ┌───────────────────────┬──────────┬───────────────────────────────────────┐
/// │ MAC (32)              │ IV (16)  │ ct = AES-128-CTR(enc_key, IV, pt)     │
/// └───────────────────────┴──────────┴───────────────────────────────────────┘
/// MAC = HMAC-BLAKE3(mac_key, IV ‖ ct)
/// </code>
/// Nothing is allocated: callers pass the output span (decryption may write over the message's own ciphertext).
/// </summary>
public static class GatewayFrame
{
    public const int MacLength = Blake3Kdf.OutputSize;
    public const int IvLength = Aes128Ctr.IvSize;
    public const int Overhead = MacLength + IvLength;

    public static int GetEncryptedLength(int plaintextLength) => Overhead + plaintextLength;

    /// <summary>The plaintext length of a message that decrypts (0 for one too short to).</summary>
    public static int GetPlaintextLength(int messageLength) => Math.Max(0, messageLength - Overhead);

    /// <summary>Encrypts under a fresh IV from the operating system's CSPRNG; returns the message length.</summary>
    public static int Encrypt(GatewaySharedKeys keys, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        Span<byte> iv = stackalloc byte[IvLength];
        RandomNumberGenerator.Fill(iv);
        return Encrypt(keys, iv, plaintext, destination);
    }

    /// <summary>Encrypts under the given IV (tests reproduce the d1 vectors with it); returns the message length.</summary>
    public static int Encrypt(GatewaySharedKeys keys, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(keys);
        int length = GetEncryptedLength(plaintext.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The frame needs {length} bytes.", nameof(destination));
        }

        var ivOut = destination.Slice(MacLength, IvLength);
        var ciphertext = destination.Slice(Overhead, plaintext.Length);
        iv.CopyTo(ivOut);
        Aes128Ctr.Transform(keys.EncryptionKey, ivOut, plaintext, ciphertext);
        Blake3Kdf.Hmac(keys.MacKey, ivOut, ciphertext, destination[..MacLength]);
        return length;
    }

    /// <summary>
    /// Checks the MAC over IV ‖ ct, then decrypts into <paramref name="plaintext"/> (at least
    /// <see cref="GetPlaintextLength"/> bytes). Never throws on the message's content.
    /// </summary>
    public static bool TryDecrypt(GatewaySharedKeys keys, ReadOnlySpan<byte> message, Span<byte> plaintext, out int written, out GatewayFrameError error)
    {
        ArgumentNullException.ThrowIfNull(keys);
        written = 0;
        if (message.Length < Overhead)
        {
            error = GatewayFrameError.TooShortRequest;
            return false;
        }

        var iv = message.Slice(MacLength, IvLength);
        var ciphertext = message[Overhead..];
        if (plaintext.Length < ciphertext.Length)
        {
            throw new ArgumentException($"The plaintext needs {ciphertext.Length} bytes.", nameof(plaintext));
        }

        Span<byte> mac = stackalloc byte[MacLength];
        Blake3Kdf.Hmac(keys.MacKey, iv, ciphertext, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, message[..MacLength]))
        {
            error = GatewayFrameError.InvalidMac;
            return false;
        }

        // The IV is copied first: with in-place decryption the plaintext overwrites the message.
        Span<byte> ivCopy = stackalloc byte[IvLength];
        iv.CopyTo(ivCopy);
        Aes128Ctr.Transform(keys.EncryptionKey, ivCopy, ciphertext, plaintext);
        written = ciphertext.Length;
        error = GatewayFrameError.None;
        return true;
    }
}

/// <summary>
/// Nym 1.0.1's frame encryption (nym-mixnet.md §5.4), kept to reproduce and talk to Nym: IV 0 for every frame in
/// both directions under one key (keystream reuse, which D1 fixes), and <c>encrypt_and_tag</c> with an explicit IV
/// as bandwidth credentials use it (§5.6).
/// <code>
/// ┌───────────────────────┬───────────────────────────────────────┐
/// │ MAC (32)              │ ct = AES-128-CTR(enc_key, IV, pt)     │   MAC = HMAC-BLAKE3(mac_key, ct)
/// └───────────────────────┴───────────────────────────────────────┘
/// </code>
/// </summary>
public static class NymGatewayFrame
{
    public const int MacLength = Blake3Kdf.OutputSize;

    public static int GetEncryptedLength(int plaintextLength) => MacLength + plaintextLength;

    public static int GetPlaintextLength(int messageLength) => Math.Max(0, messageLength - MacLength);

    /// <summary>Nym's binary frame: IV 0.</summary>
    public static int Encrypt(GatewaySharedKeys keys, ReadOnlySpan<byte> plaintext, Span<byte> destination) =>
        Encrypt(keys, Aes128Ctr.ZeroIv, plaintext, destination);

    /// <summary>Nym's <c>encrypt_and_tag(pt, Some(iv))</c>: the IV travels separately and is not under the MAC.</summary>
    public static int Encrypt(GatewaySharedKeys keys, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(keys);
        int length = GetEncryptedLength(plaintext.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The frame needs {length} bytes.", nameof(destination));
        }

        var ciphertext = destination.Slice(MacLength, plaintext.Length);
        Aes128Ctr.Transform(keys.EncryptionKey, iv, plaintext, ciphertext);
        Blake3Kdf.Hmac(keys.MacKey, ciphertext, destination[..MacLength]);
        return length;
    }

    /// <summary>Nym's <c>decrypt_tagged</c> with IV 0. Never throws on the message's content.</summary>
    public static bool TryDecrypt(GatewaySharedKeys keys, ReadOnlySpan<byte> message, Span<byte> plaintext, out int written, out GatewayFrameError error)
    {
        ArgumentNullException.ThrowIfNull(keys);
        written = 0;
        if (message.Length < MacLength)
        {
            error = GatewayFrameError.TooShortRequest;
            return false;
        }

        var ciphertext = message[MacLength..];
        if (plaintext.Length < ciphertext.Length)
        {
            throw new ArgumentException($"The plaintext needs {ciphertext.Length} bytes.", nameof(plaintext));
        }

        Span<byte> mac = stackalloc byte[MacLength];
        Blake3Kdf.Hmac(keys.MacKey, ciphertext, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, message[..MacLength]))
        {
            error = GatewayFrameError.InvalidMac;
            return false;
        }

        Aes128Ctr.Transform(keys.EncryptionKey, Aes128Ctr.ZeroIv, ciphertext, plaintext);
        written = ciphertext.Length;
        error = GatewayFrameError.None;
        return true;
    }
}
