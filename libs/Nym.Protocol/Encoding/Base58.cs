namespace Nym.Protocol.Encoding;

/// <summary>
/// Base58 with the Bitcoin alphabet, as Nym's <c>bs58</c> 0.4 writes keys, addresses, IVs and SURBs in text
/// (nym-mixnet.md §8). Decoding never throws.
/// </summary>
public static class Base58
{
    /// <summary>Longest base58 text accepted for decoding, so that a hostile string cannot make us allocate much.</summary>
    public const int MaxDecodedLength = 64 * 1024;

    public static string Encode(ReadOnlySpan<byte> bytes) => SimpleBase.Base58.Bitcoin.Encode(bytes);

    /// <summary>Decodes <paramref name="text"/>; false for a character outside the alphabet or an oversize input.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length > MaxDecodedLength * 2)
        {
            return false;
        }

        var buffer = new byte[SimpleBase.Base58.Bitcoin.GetSafeByteCountForDecoding(text)];
        if (!SimpleBase.Base58.Bitcoin.TryDecode(text, buffer, out int written))
        {
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return true;
    }

    /// <summary>Decodes text that must give exactly <paramref name="destination"/>.Length bytes.</summary>
    public static bool TryDecodeExact(ReadOnlySpan<char> text, Span<byte> destination) =>
        TryDecode(text, out var bytes) && bytes.Length == destination.Length && bytes.AsSpan().TryCopyTo(destination);
}
