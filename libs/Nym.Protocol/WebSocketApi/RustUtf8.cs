using System.Buffers;
using System.Text;

namespace Nym.Protocol.WebSocketApi;

/// <summary>Rust's UTF-8 texts that the websocket API exposes.</summary>
internal static class RustUtf8
{
    /// <summary>
    /// Null for valid UTF-8; otherwise the Debug form of Rust's <c>FromUtf8Error</c> for <paramref name="bytes"/>:
    /// <c>valid_up_to</c> is the length of the valid prefix, <c>error_len</c> the length of the maximal invalid
    /// subsequence, or None when the input ends inside a sequence that could still have been valid.
    /// </summary>
    public static string? FromUtf8ErrorDebug(ReadOnlySpan<byte> bytes)
    {
        int validUpTo = 0;
        while (validUpTo < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[validUpTo..], out _, out int consumed);
            if (status != OperationStatus.Done)
            {
                string errorLength = status == OperationStatus.NeedMoreData ? "None" : $"Some({consumed})";
                return $"FromUtf8Error {{ bytes: [{string.Join(", ", bytes.ToArray())}], error: Utf8Error {{ valid_up_to: {validUpTo}, error_len: {errorLength} }} }}";
            }

            validUpTo += consumed;
        }

        return null;
    }

    /// <summary>
    /// Rust's <c>String::from_utf8_lossy</c>: every maximal invalid subsequence becomes one U+FFFD, and a leading BOM is
    /// kept. .NET's decoder follows the same Unicode practice (§2, vector text_received_invalid_utf8).
    /// </summary>
    public static string Lossy(ReadOnlySpan<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
