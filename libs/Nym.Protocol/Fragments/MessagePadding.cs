namespace Nym.Protocol.Fragments;

/// <summary>
/// The framing of a message before it is split (nym-mixnet.md §2.3, §4):
/// <code>
/// M'  = 0x00 ‖ message   or   0x01 ‖ reply SURB (1164) ‖ message
/// M'' = M' ‖ 0x01 ‖ 0x00^s      (s fills the last fragment exactly)
/// </code>
/// </summary>
public static class MessagePadding
{
    /// <summary>Serialized length of a reply SURB over 3 mix hops (§4), which the receiver strips without parsing.</summary>
    public static readonly int ReplySurbLength = Packets.ReplySurb.Length;

    private const byte WithoutReplySurb = 0x00;
    private const byte WithReplySurb = 0x01;
    private const byte EndMarker = 0x01;

    /// <summary>Length of M'.</summary>
    public static long PrefixedLength(int messageLength, bool withReplySurb) =>
        1L + (withReplySurb ? ReplySurbLength : 0) + messageLength;

    /// <summary>
    /// Builds M''. An empty <paramref name="replySurb"/> means none; otherwise it must be exactly
    /// <see cref="ReplySurbLength"/> bytes.
    /// </summary>
    public static byte[] Pad(ReadOnlySpan<byte> message, ReadOnlySpan<byte> replySurb, int plaintextPerFragment)
    {
        if (!replySurb.IsEmpty && replySurb.Length != ReplySurbLength)
        {
            throw new ArgumentException($"A reply SURB is {ReplySurbLength} bytes.", nameof(replySurb));
        }

        long prefixed = PrefixedLength(message.Length, !replySurb.IsEmpty);
        var (_, spaceLeft) = FragmentLayout.RequiredFragments(prefixed + 1, plaintextPerFragment);
        long paddedLength = prefixed + 1 + spaceLeft;
        if (paddedLength > Array.MaxLength)
        {
            throw new ArgumentException("The padded message does not fit in one array.", nameof(message));
        }

        var padded = new byte[paddedLength];
        var rest = padded.AsSpan();
        if (replySurb.IsEmpty)
        {
            rest[0] = WithoutReplySurb;
            rest = rest[1..];
        }
        else
        {
            rest[0] = WithReplySurb;
            replySurb.CopyTo(rest[1..]);
            rest = rest[(1 + ReplySurbLength)..];
        }

        message.CopyTo(rest);
        rest[message.Length] = EndMarker; // the zeros after it come from the new array
        return padded;
    }

    /// <summary>
    /// Undoes <see cref="Pad"/> on reassembled peer data without copying: strips the prefix, then truncates at the
    /// LAST 0x01 as Nym's <c>remove_padding</c> does. False for an unknown prefix, a truncated SURB or no 0x01.
    /// <paramref name="replySurb"/> is empty when the message carries none.
    /// </summary>
    public static bool TryUnpad(ReadOnlyMemory<byte> padded, out ReadOnlyMemory<byte> message, out ReadOnlyMemory<byte> replySurb)
    {
        message = default;
        replySurb = default;
        if (padded.IsEmpty)
        {
            return false;
        }

        ReadOnlyMemory<byte> body;
        switch (padded.Span[0])
        {
            case WithoutReplySurb:
                body = padded[1..];
                break;
            case WithReplySurb when padded.Length > ReplySurbLength:
                replySurb = padded.Slice(1, ReplySurbLength);
                body = padded[(1 + ReplySurbLength)..];
                break;
            default:
                return false;
        }

        int end = body.Span.LastIndexOf(EndMarker);
        if (end < 0)
        {
            replySurb = default;
            return false;
        }

        message = body[..end];
        return true;
    }
}
