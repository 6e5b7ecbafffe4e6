using System.Buffers.Binary;

namespace Nym.Protocol.Fragments;

/// <summary>Why bytes are not a fragment; the names are those of Nym's <c>ChunkingError</c> variants.</summary>
public enum FragmentParseStatus
{
    Ok,
    TooShortFragmentData,
    MalformedHeaderError,
}

/// <summary>
/// One fragment of a padded message (nym-mixnet.md §2.3): a header and a slice of the message. Big-endian layouts:
/// <code>
/// unlinked (7):  [set_id | 0x80000000 : 4][total : 1][current : 1][0x00 : 1]
/// linked  (10):  [set_id | 0x80000000 : 4][total : 1][current : 1][linked_id | 0x80000000 : 4]
/// </code>
/// A link on fragment 1 names the previous set; a link on fragment 255 of 255 names the next set.
/// <see cref="Payload"/> is never copied: it aliases the memory given to the constructor or to <see cref="TryParse"/>.
/// </summary>
public readonly struct Fragment
{
    private const uint FlagBit = 0x8000_0000;

    /// <summary>Builds a fragment; throws on values that no valid header can carry (a caller bug).</summary>
    public Fragment(int setId, int total, int current, int? previousSetId, int? nextSetId, ReadOnlyMemory<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(setId, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, FragmentLayout.MaxFragmentsPerSet);
        ArgumentOutOfRangeException.ThrowIfLessThan(current, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(current, total);
        if (previousSetId is { } previous && (current != 1 || !IsValidLink(previous, setId)))
        {
            throw new ArgumentException("Only fragment 1 links to a previous set, with an id in 1..2^31-1 other than its own.", nameof(previousSetId));
        }

        if (nextSetId is { } next && (current != FragmentLayout.MaxFragmentsPerSet || !IsValidLink(next, setId)))
        {
            throw new ArgumentException("Only fragment 255 of 255 links to a next set, with an id in 1..2^31-1 other than its own.", nameof(nextSetId));
        }

        SetId = setId;
        Total = total;
        Current = current;
        PreviousSetId = previousSetId;
        NextSetId = nextSetId;
        Payload = payload;
    }

    public int SetId { get; }

    /// <summary>Fragments in this set, 1..255.</summary>
    public int Total { get; }

    /// <summary>1-based position in the set, 1..<see cref="Total"/>.</summary>
    public int Current { get; }

    public int? PreviousSetId { get; }

    public int? NextSetId { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    public bool IsLinked => PreviousSetId.HasValue || NextSetId.HasValue;

    public int HeaderLength => IsLinked ? FragmentLayout.LinkedHeaderLength : FragmentLayout.UnlinkedHeaderLength;

    public int SerializedLength => HeaderLength + Payload.Length;

    /// <summary>The id its SURB-ACK carries (§2.4).</summary>
    public FragmentIdentifier Identifier => new(SetId, (byte)Current);

    /// <summary>Writes header ‖ payload and returns the bytes written.</summary>
    public int WriteTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, SerializedLength, nameof(destination));
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)SetId | FlagBit);
        destination[4] = (byte)Total;
        destination[5] = (byte)Current;
        if ((PreviousSetId ?? NextSetId) is { } link)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[6..], (uint)link | FlagBit);
        }
        else
        {
            destination[6] = 0;
        }

        Payload.Span.CopyTo(destination[HeaderLength..]);
        return SerializedLength;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedLength];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Reads a fragment from peer bytes; never throws. Everything after the header is the payload, which aliases
    /// <paramref name="bytes"/>.
    /// </summary>
    public static FragmentParseStatus TryParse(ReadOnlyMemory<byte> bytes, out Fragment fragment)
    {
        fragment = default;
        var span = bytes.Span;
        if (span.Length < FragmentLayout.UnlinkedHeaderLength)
        {
            return FragmentParseStatus.TooShortFragmentData;
        }

        uint rawId = BinaryPrimitives.ReadUInt32BigEndian(span);
        int setId = (int)(rawId & ~FlagBit);
        int total = span[4];
        int current = span[5];
        if ((rawId & FlagBit) == 0 || setId == 0 || total == 0 || current == 0 || current > total)
        {
            return FragmentParseStatus.MalformedHeaderError;
        }

        // §2.3: byte 6 is 0 in an unlinked header and carries the link's flag bit in a linked one.
        if (span[6] == 0)
        {
            fragment = new Fragment(setId, total, current, null, null, bytes[FragmentLayout.UnlinkedHeaderLength..]);
            return FragmentParseStatus.Ok;
        }

        if (span.Length < FragmentLayout.LinkedHeaderLength)
        {
            return FragmentParseStatus.TooShortFragmentData;
        }

        uint rawLink = BinaryPrimitives.ReadUInt32BigEndian(span[6..]);
        int link = (int)(rawLink & ~FlagBit);
        if ((rawLink & FlagBit) == 0 || !IsValidLink(link, setId))
        {
            return FragmentParseStatus.MalformedHeaderError;
        }

        var payload = bytes[FragmentLayout.LinkedHeaderLength..];
        if (current == 1)
        {
            fragment = new Fragment(setId, total, current, link, null, payload);
        }
        else if (current == FragmentLayout.MaxFragmentsPerSet)
        {
            fragment = new Fragment(setId, total, current, null, link, payload);
        }
        else
        {
            return FragmentParseStatus.MalformedHeaderError;
        }

        return FragmentParseStatus.Ok;
    }

    private static bool IsValidLink(int link, int setId) => link > 0 && link != setId;
}
