using Nym.Sphinx.Crypto;
using static Nym.Sphinx.SphinxConstants;

namespace Nym.Sphinx;

/// <summary>
/// The Sphinx payload (nym-mixnet.md §1.7): a block of payload_size bytes,
/// <c>0^16 ‖ message ‖ 0x01 ‖ 0x00*</c>, Lioness-encrypted once per hop with hop 0's layer outermost.
/// The 16 zero bytes are the only integrity check the payload has.
/// </summary>
public static class SphinxPayload
{
    /// <summary>The smallest payload size that works: Lioness needs more than 32 bytes.</summary>
    public const int MinimumSize = 33;

    /// <summary>Checks a payload size and a message length chosen by the caller.</summary>
    public static void Validate(int payloadSize, int messageLength)
    {
        if (payloadSize < MinimumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadSize), payloadSize, $"A Sphinx payload needs at least {MinimumSize} bytes (Lioness block size must exceed 32 bytes).");
        }

        if (messageLength > payloadSize - PayloadOverhead)
        {
            throw new ArgumentException($"A message of {messageLength} bytes does not fit a payload of {payloadSize} bytes (at most {payloadSize - PayloadOverhead}).", nameof(messageLength));
        }
    }

    /// <summary>Writes the plain block 0^16 ‖ message ‖ 0x01 ‖ 0x00* into <paramref name="block"/>.</summary>
    public static void Encode(ReadOnlySpan<byte> message, Span<byte> block)
    {
        Validate(block.Length, message.Length);
        block.Clear();
        message.CopyTo(block[SecurityParameter..]);
        block[SecurityParameter + message.Length] = 1;
    }

    /// <summary>Encodes the message and adds one Lioness layer per key, the last key first (hop 0 outermost).</summary>
    internal static void Encrypt(ReadOnlySpan<byte> message, ReadOnlySpan<byte> payloadKeys, Span<byte> block)
    {
        Encode(message, block);
        for (int offset = payloadKeys.Length - PayloadKeyLength; offset >= 0; offset -= PayloadKeyLength)
        {
            Lioness.Encrypt(payloadKeys.Slice(offset, PayloadKeyLength), block);
        }
    }

    /// <summary>
    /// Finds the message in a fully decrypted block: the 16 leading bytes must be zero, and the message ends at the
    /// last 0x01. Never throws.
    /// </summary>
    public static bool TryRecoverPlaintext(ReadOnlySpan<byte> block, out Range message, out SphinxError? error)
    {
        message = default;
        if (block.Length < SecurityParameter || block[..SecurityParameter].ContainsAnyExcept((byte)0))
        {
            error = SphinxError.NoLeadingZeroPadding;
            return false;
        }

        int end = block[SecurityParameter..].LastIndexOf((byte)1);
        if (end < 0)
        {
            error = SphinxError.NoTrailingOneByte;
            return false;
        }

        message = SecurityParameter..(SecurityParameter + end);
        error = null;
        return true;
    }
}
