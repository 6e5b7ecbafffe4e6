namespace Nym.Protocol.Encoding;

/// <summary>
/// Base58 with the Bitcoin alphabet, as Nym's <c>bs58</c> 0.4 writes keys, addresses, IVs and SURBs in text
/// (nym-mixnet.md §8). Decoding never throws, and refuses text too long for what the caller expects before decoding
/// it: base58 decoding takes time quadratic in the text's length, so an unbounded text could stall a core.
/// </summary>
public static class Base58
{
    public static string Encode(ReadOnlySpan<byte> bytes) => SimpleBase.Base58.Bitcoin.Encode(bytes);

    /// <summary>
    /// The longest base58 text of at most <paramref name="maxBytes"/> bytes: one '1' per leading zero byte, and
    /// fewer than 1.37 characters per byte otherwise, so twice the bytes is a safe bound.
    /// </summary>
    public static int MaxTextLength(int maxBytes) => 2 * maxBytes;

    /// <summary>
    /// Decodes <paramref name="text"/> into at most <paramref name="maxBytes"/> bytes; false for a character outside
    /// the alphabet or a text that cannot fit.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, int maxBytes, out byte[] bytes)
    {
        bytes = [];
        if (text.Length > MaxTextLength(maxBytes))
        {
            return false;
        }

        var buffer = new byte[SimpleBase.Base58.Bitcoin.GetSafeByteCountForDecoding(text)];
        if (!SimpleBase.Base58.Bitcoin.TryDecode(text, buffer, out int written) || written > maxBytes)
        {
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return true;
    }

    /// <summary>Decodes text that must give exactly <paramref name="destination"/>.Length bytes.</summary>
    public static bool TryDecodeExact(ReadOnlySpan<char> text, Span<byte> destination) =>
        TryDecode(text, destination.Length, out var bytes) && bytes.Length == destination.Length && bytes.AsSpan().TryCopyTo(destination);
}
