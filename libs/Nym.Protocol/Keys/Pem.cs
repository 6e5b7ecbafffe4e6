using System.Text;

namespace Nym.Protocol.Keys;

/// <summary>
/// PEM as Nym writes its key files (the <c>pem</c> 0.8.3 crate's <c>encode</c>; nym-client-api.md §6):
/// <c>-----BEGIN TAG-----</c>, standard base64 of the raw key bytes in 64-character lines, <c>-----END TAG-----</c>,
/// every line ending in CRLF. Readers accept LF too. Decoding never throws.
/// </summary>
public static class Pem
{
    /// <summary>No key file of ours holds more than this; longer input is refused before decoding.</summary>
    public const int MaxTextLength = 4096;

    public const string Ed25519PrivateKey = "ED25519 PRIVATE KEY";
    public const string Ed25519PublicKey = "ED25519 PUBLIC KEY";
    public const string X25519PrivateKey = "X25519 PRIVATE KEY";
    public const string X25519PublicKey = "X25519 PUBLIC KEY";
    public const string AckKey = "AES-128-CTR ACKNOWLEDGEMENTS KEY";
    public const string GatewaySharedKeys = "AES-128-CTR + HMAC-BLAKE3 GATEWAY SHARED KEYS";

    public static string Encode(string tag, ReadOnlySpan<byte> contents)
    {
        var base64 = Convert.ToBase64String(contents);
        var text = new StringBuilder();
        text.Append("-----BEGIN ").Append(tag).Append("-----\r\n");
        for (int i = 0; i < base64.Length; i += 64)
        {
            text.Append(base64.AsSpan(i, Math.Min(64, base64.Length - i))).Append("\r\n");
        }

        text.Append("-----END ").Append(tag).Append("-----\r\n");
        return text.ToString();
    }

    /// <summary>
    /// Decodes a PEM text that must carry <paramref name="expectedTag"/> and exactly <paramref name="expectedLength"/>
    /// bytes. On failure <paramref name="error"/> says what is wrong, in words a person can act on.
    /// </summary>
    public static bool TryDecode(string text, string expectedTag, int expectedLength, out byte[] contents, out string error)
    {
        contents = [];
        if (text.Length > MaxTextLength)
        {
            error = $"it is {text.Length} characters long, more than a key file can be ({MaxTextLength})";
            return false;
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r').Trim()).Where(l => l.Length > 0).ToArray();
        string begin = $"-----BEGIN {expectedTag}-----", end = $"-----END {expectedTag}-----";
        if (lines.Length < 2 || !lines[0].StartsWith("-----BEGIN ", StringComparison.Ordinal) || !lines[^1].StartsWith("-----END ", StringComparison.Ordinal))
        {
            error = "it is not a PEM file (no BEGIN/END lines)";
            return false;
        }

        if (lines[0] != begin || lines[^1] != end)
        {
            error = $"it holds a '{lines[0]["-----BEGIN ".Length..].TrimEnd('-')}' instead of a '{expectedTag}'";
            return false;
        }

        var base64 = string.Concat(lines[1..^1]);
        var buffer = new byte[(base64.Length / 4 + 1) * 3];
        if (!Convert.TryFromBase64String(base64, buffer, out int written))
        {
            error = "its contents are not valid base64";
            return false;
        }

        if (written != expectedLength)
        {
            error = $"it holds {written} bytes where a {expectedTag} has {expectedLength}";
            return false;
        }

        contents = buffer[..written];
        error = "";
        return true;
    }
}
