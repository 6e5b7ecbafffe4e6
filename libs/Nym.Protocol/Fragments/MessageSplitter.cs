namespace Nym.Protocol.Fragments;

/// <summary>A message padded and cut into fragments; every fragment's payload is a slice of <see cref="Padded"/>.</summary>
public sealed class FragmentedMessage
{
    internal FragmentedMessage(ReadOnlyMemory<byte> padded, int[] setIds, Fragment[] fragments)
    {
        Padded = padded;
        SetIds = setIds;
        Fragments = fragments;
    }

    /// <summary>M'' of nym-mixnet.md §2.3.</summary>
    public ReadOnlyMemory<byte> Padded { get; }

    /// <summary>The set ids from the head of the chain to its tail.</summary>
    public IReadOnlyList<int> SetIds { get; }

    /// <summary>All fragments, set after set, in position order; each serializes to exactly the plaintext per fragment.</summary>
    public IReadOnlyList<Fragment> Fragments { get; }
}

/// <summary>Nym's message chunking (nym-mixnet.md §2.3, <c>split_into_sets</c>).</summary>
public static class MessageSplitter
{
    /// <summary>
    /// Pads <paramref name="message"/> (with <paramref name="replySurb"/> attached unless empty) and splits it into
    /// one unlinked set of at most 255 fragments or a chain of linked sets. Set ids are drawn up front, in order,
    /// from <paramref name="nextSetId"/> (default: a CSPRNG); an id it repeats within the message is drawn again.
    /// </summary>
    public static FragmentedMessage Split(
        ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> replySurb = default,
        int plaintextPerFragment = FragmentLayout.RegularPlaintextPerFragment,
        Func<int>? nextSetId = null)
    {
        var padded = MessagePadding.Pad(message, replySurb, plaintextPerFragment);
        int sets = FragmentLayout.TotalNumberOfSets(padded.Length, plaintextPerFragment);
        var (fragmentCount, _) = FragmentLayout.RequiredFragments(padded.Length, plaintextPerFragment);
        var ids = DrawSetIds(sets, nextSetId ?? SetIds.NewRandom);

        int unlinked = FragmentLayout.UnlinkedPayloadCapacity(plaintextPerFragment);
        int linked = FragmentLayout.LinkedPayloadCapacity(plaintextPerFragment);
        var fragments = new Fragment[fragmentCount];
        int offset = 0;
        int index = 0;
        for (int set = 0; set < sets; set++)
        {
            int total = set < sets - 1 ? FragmentLayout.MaxFragmentsPerSet : fragmentCount - index;
            for (int current = 1; current <= total; current++)
            {
                // The first set links forward, middle sets both ways, the last set backward (§2.3).
                int? previous = current == 1 && set > 0 ? ids[set - 1] : null;
                int? next = current == FragmentLayout.MaxFragmentsPerSet && set < sets - 1 ? ids[set + 1] : null;
                int length = Math.Min(previous.HasValue || next.HasValue ? linked : unlinked, padded.Length - offset);
                fragments[index++] = new Fragment(ids[set], total, current, previous, next, padded.AsMemory(offset, length));
                offset += length;
            }
        }

        return new FragmentedMessage(padded, ids, fragments);
    }

    private static int[] DrawSetIds(int count, Func<int> nextSetId)
    {
        var ids = new int[count];
        for (int i = 0; i < count; i++)
        {
            int id;
            do
            {
                id = nextSetId();
                if (id <= 0)
                {
                    throw new InvalidOperationException("A set id generator returned an id outside 1..2^31-1.");
                }
            }
            while (ids.AsSpan(0, i).Contains(id));

            ids[i] = id;
        }

        return ids;
    }
}
