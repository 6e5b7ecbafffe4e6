namespace Nym.Protocol.Fragments;

/// <summary>
/// Sizes and counts of Nym's chunking (nym-mixnet.md §2.1, §2.3). "Plaintext per fragment" (P) is the whole
/// serialized fragment, header included: 1611 bytes in a regular packet, 32331 in an extended one.
/// </summary>
public static class FragmentLayout
{
    public const int RegularPlaintextPerFragment = 1611;
    public const int ExtendedPlaintextPerFragment = 32331;
    public const int UnlinkedHeaderLength = 7;
    public const int LinkedHeaderLength = 10;
    public const int MaxFragmentsPerSet = 255;

    /// <summary>
    /// The smallest P that leaves room for a linked header and one payload byte. Nym has no minimum; this one only
    /// keeps the arithmetic meaningful.
    /// </summary>
    public const int MinPlaintextPerFragment = LinkedHeaderLength + 1;

    /// <summary>Payload bytes of a fragment with the 7-byte header.</summary>
    public static int UnlinkedPayloadCapacity(int plaintextPerFragment) =>
        Checked(plaintextPerFragment) - UnlinkedHeaderLength;

    /// <summary>Payload bytes of a fragment with the 10-byte header (first fragment of a set with a previous set, or fragment 255 of a set with a next one).</summary>
    public static int LinkedPayloadCapacity(int plaintextPerFragment) =>
        Checked(plaintextPerFragment) - LinkedHeaderLength;

    /// <summary>How many sets carry <paramref name="length"/> bytes (Nym's <c>total_number_of_sets</c>).</summary>
    public static int TotalNumberOfSets(long length, int plaintextPerFragment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int unlinked = UnlinkedPayloadCapacity(plaintextPerFragment);
        if (length <= (long)MaxFragmentsPerSet * unlinked)
        {
            return 1;
        }

        // §2.3: the first and last sets of a chain have one linked fragment, every middle set two.
        long edge = SetCapacity(plaintextPerFragment, links: 1);
        if (length <= 2 * edge)
        {
            return 2;
        }

        return checked((int)(2 + DivCeil(length - (2 * edge), SetCapacity(plaintextPerFragment, links: 2))));
    }

    /// <summary>
    /// Nym's <c>number_of_required_fragments</c>: the fragments that carry <paramref name="length"/> bytes, and the
    /// room left unused in the last one (the zero padding of §2.3).
    /// </summary>
    public static (int Fragments, int SpaceLeft) RequiredFragments(long length, int plaintextPerFragment)
    {
        int sets = TotalNumberOfSets(length, plaintextPerFragment);
        int unlinked = UnlinkedPayloadCapacity(plaintextPerFragment);
        if (sets == 1)
        {
            long single = DivCeil(length, unlinked);
            return ((int)single, (int)((single * unlinked) - length));
        }

        // All sets but the last are full; the last one starts with a linked fragment (it has a previous set) and
        // goes on with unlinked ones (it has no next set).
        long before = SetCapacity(plaintextPerFragment, links: 1) + ((sets - 2) * SetCapacity(plaintextPerFragment, links: 2));
        long rest = length - before;
        int linked = LinkedPayloadCapacity(plaintextPerFragment);
        int full = (sets - 1) * MaxFragmentsPerSet;
        if (rest <= linked)
        {
            return (full + 1, (int)(linked - rest));
        }

        long more = DivCeil(rest - linked, unlinked);
        return (checked(full + 1 + (int)more), (int)((more * unlinked) - (rest - linked)));
    }

    private static long SetCapacity(int plaintextPerFragment, int links) =>
        ((long)MaxFragmentsPerSet * UnlinkedPayloadCapacity(plaintextPerFragment)) - ((LinkedHeaderLength - UnlinkedHeaderLength) * links);

    private static long DivCeil(long value, long divisor) => (value + divisor - 1) / divisor;

    private static int Checked(int plaintextPerFragment)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(plaintextPerFragment, MinPlaintextPerFragment);
        return plaintextPerFragment;
    }
}
