namespace Nym.Protocol.Fragments;

/// <summary>What <see cref="MessageReassembler.TryInsert(in Fragment, out ReassembledMessage?)"/> did with a fragment.</summary>
public enum ReassemblyStatus
{
    /// <summary>Kept; its message is not complete yet.</summary>
    Buffered,

    /// <summary>It completed a message, which is returned.</summary>
    Completed,

    /// <summary>Its slot is already filled; ignored.</summary>
    Duplicate,

    /// <summary>Its set was completed recently: a late retransmission, dropped.</summary>
    Stale,

    /// <summary>Its header contradicts the buffered set (another total), dropped.</summary>
    Inconsistent,

    /// <summary>Not a fragment (bad header, or a payload longer than the configured fragment size), dropped.</summary>
    Malformed,

    /// <summary>Its message cannot fit the memory limits; everything buffered for that message was dropped.</summary>
    OverCapacity,

    /// <summary>It completed the sets, but their content has no valid prefix or padding; dropped.</summary>
    CorruptMessage,
}

/// <summary>A reassembled message. Both memories are slices of one buffer that this object owns.</summary>
public sealed class ReassembledMessage
{
    internal ReassembledMessage(ReadOnlyMemory<byte> message, ReadOnlyMemory<byte> replySurb, int[] setIds)
    {
        Message = message;
        ReplySurb = replySurb;
        SetIds = setIds;
    }

    public ReadOnlyMemory<byte> Message { get; }

    /// <summary>The attached reply SURB (1164 opaque bytes), or empty.</summary>
    public ReadOnlyMemory<byte> ReplySurb { get; }

    public bool HasReplySurb => !ReplySurb.IsEmpty;

    /// <summary>The ids of the sets used, from head to tail.</summary>
    public IReadOnlyList<int> SetIds { get; }
}

/// <summary>
/// Reassembles messages from fragments received in any order (nym-mixnet.md §2.3), with bounded memory where Nym
/// has none: duplicates are ignored; a message whose fragments stop arriving is dropped after
/// <see cref="ReassemblyOptions.IncompleteMessageLifetime"/>; completed set ids are remembered for
/// <see cref="ReassemblyOptions.CompletedSetIdLifetime"/> only; over the byte or set limit the least recently
/// active messages are evicted. Never throws on peer data. Not thread-safe: one receive loop owns it.
/// </summary>
public sealed class MessageReassembler
{
    private readonly ReassemblyOptions _options;
    private readonly TimeProvider _time;
    private readonly int _maxPayload;
    private readonly Dictionary<int, PartialSet> _sets = [];

    // Groups of sets known to belong to one message, least recently active first: the unit of expiry and eviction.
    private readonly LinkedList<Chain> _chains = new();
    private readonly HashSet<int> _completed = [];
    private readonly Queue<(int SetId, long At)> _completedOrder = new();

    public MessageReassembler(ReassemblyOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new ReassemblyOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _maxPayload = FragmentLayout.UnlinkedPayloadCapacity(_options.PlaintextPerFragment);
    }

    public int BufferedSetCount => _sets.Count;

    public long BufferedBytes { get; private set; }

    public int RememberedSetIdCount => _completed.Count;

    /// <summary>Parses peer bytes (see <see cref="Fragment.TryParse"/>) and inserts the fragment.</summary>
    public ReassemblyStatus TryInsert(ReadOnlyMemory<byte> serializedFragment, out ReassembledMessage? message)
    {
        if (Fragment.TryParse(serializedFragment, out var fragment) != FragmentParseStatus.Ok)
        {
            message = null;
            return ReassemblyStatus.Malformed;
        }

        return TryInsert(in fragment, out message);
    }

    /// <summary>Inserts a fragment; the payload is copied, so the caller may reuse its buffer afterwards.</summary>
    public ReassemblyStatus TryInsert(in Fragment fragment, out ReassembledMessage? message)
    {
        message = null;
        long now = _time.GetTimestamp();
        Prune(now);

        // default(Fragment) has position 0; no constructed or parsed fragment does.
        if (fragment.Current == 0 || fragment.Payload.Length > _maxPayload)
        {
            return ReassemblyStatus.Malformed;
        }

        if (_completed.Contains(fragment.SetId))
        {
            return ReassemblyStatus.Stale;
        }

        if (!_sets.TryGetValue(fragment.SetId, out var set))
        {
            if (fragment.Total == 1 && fragment.PreviousSetId is null)
            {
                // A whole message in one fragment, the common case: no buffering at all.
                Remember(fragment.SetId, now);
                return Finish(Concatenate([fragment.Payload]), [fragment.SetId], out message);
            }

            set = new PartialSet(fragment.SetId, fragment.Total, new Chain());
            set.Chain.Sets.Add(set);
            set.Chain.Node = _chains.AddLast(set.Chain);
            _sets.Add(set.Id, set);
        }
        else if (set.Slots.Length != fragment.Total)
        {
            return ReassemblyStatus.Inconsistent;
        }

        ref var slot = ref set.Slots[fragment.Current - 1];
        if (slot is not null)
        {
            return ReassemblyStatus.Duplicate;
        }

        slot = fragment.Payload.ToArray();
        set.Filled++;
        set.Bytes += slot.Length;
        set.Chain.Bytes += slot.Length;
        BufferedBytes += slot.Length;

        // Only fragment 1 can carry the previous link and only the last fragment the next one (§2.3), so once a set is
        // complete both links are known; 0 stands for none.
        if (fragment.Current == 1)
        {
            set.Previous = fragment.PreviousSetId ?? 0;
            JoinChains(set, set.Previous);
        }

        if (fragment.Current == fragment.Total)
        {
            set.Next = fragment.NextSetId ?? 0;
            JoinChains(set, set.Next);
        }

        set.Chain.LastActivity = now;
        _chains.Remove(set.Chain.Node!);
        _chains.AddLast(set.Chain.Node!);

        if (!MakeRoomFor(set.Chain))
        {
            return ReassemblyStatus.OverCapacity;
        }

        if (set.Filled < set.Slots.Length || !TryCollectChain(set, out var chain))
        {
            return ReassemblyStatus.Buffered;
        }

        var payloads = new List<ReadOnlyMemory<byte>>(chain.Count * FragmentLayout.MaxFragmentsPerSet);
        var ids = new int[chain.Count];
        for (int i = 0; i < chain.Count; i++)
        {
            var member = chain[i];
            ids[i] = member.Id;
            foreach (var payload in member.Slots)
            {
                payloads.Add(payload);
            }

            Remove(member);
            Remember(member.Id, now);
        }

        return Finish(Concatenate(payloads), ids, out message);
    }

    /// <summary>Drops expired messages and forgets expired set ids now; inserting does the same on its way.</summary>
    public void Prune() => Prune(_time.GetTimestamp());

    private void Prune(long now)
    {
        while (_chains.First is { } oldest && _time.GetElapsedTime(oldest.Value.LastActivity, now) >= _options.IncompleteMessageLifetime)
        {
            Drop(oldest.Value);
        }

        while (_completedOrder.TryPeek(out var entry) && _time.GetElapsedTime(entry.At, now) >= _options.CompletedSetIdLifetime)
        {
            _completed.Remove(_completedOrder.Dequeue().SetId);
        }
    }

    private void Remember(int setId, long now)
    {
        if (_completedOrder.Count >= _options.MaxRememberedSetIds)
        {
            _completed.Remove(_completedOrder.Dequeue().SetId);
        }

        _completed.Add(setId);
        _completedOrder.Enqueue((setId, now));
    }

    /// <summary>Merges the chains of two sets once a link between them is seen (the smaller group moves).</summary>
    private void JoinChains(PartialSet set, int linkedId)
    {
        if (linkedId == 0 || !_sets.TryGetValue(linkedId, out var other) || other.Chain == set.Chain)
        {
            return;
        }

        var (small, large) = set.Chain.Sets.Count < other.Chain.Sets.Count ? (set.Chain, other.Chain) : (other.Chain, set.Chain);
        foreach (var member in small.Sets)
        {
            member.Chain = large;
            large.Sets.Add(member);
        }

        large.Bytes += small.Bytes;

        _chains.Remove(small.Node!);
    }

    /// <summary>
    /// Drops <paramref name="current"/> if it alone breaks a limit (false); otherwise evicts the least recently
    /// active other messages until the limits hold.
    /// </summary>
    private bool MakeRoomFor(Chain current)
    {
        if (current.Bytes > _options.MaxBufferedBytes || current.Sets.Count > _options.MaxBufferedSets)
        {
            Drop(current);
            return false;
        }

        while (BufferedBytes > _options.MaxBufferedBytes || _sets.Count > _options.MaxBufferedSets)
        {
            // current is the most recently active chain, so it is never the first while others remain.
            Drop(_chains.First!.Value);
        }

        return true;
    }

    /// <summary>
    /// Walks from a complete set to the head of its chain, then to the tail, requiring every set complete and every
    /// link confirmed from both ends. The step bound stops a forged cycle.
    /// </summary>
    private bool TryCollectChain(PartialSet set, out List<PartialSet> chain)
    {
        chain = [];
        int steps = 0;
        var head = set;
        while (head.Previous != 0)
        {
            if (!_sets.TryGetValue(head.Previous, out var previous) || !previous.IsComplete || previous.Next != head.Id || ++steps > _sets.Count)
            {
                return false;
            }

            head = previous;
        }

        chain.Add(head);
        for (var tail = head; tail.Next != 0; tail = chain[^1])
        {
            if (!_sets.TryGetValue(tail.Next, out var next) || !next.IsComplete || next.Previous != tail.Id || chain.Count >= _sets.Count)
            {
                return false;
            }

            chain.Add(next);
        }

        return true;
    }

    private void Drop(Chain chain)
    {
        foreach (var member in chain.Sets)
        {
            _sets.Remove(member.Id);
            BufferedBytes -= member.Bytes;
        }

        _chains.Remove(chain.Node!);
    }

    private void Remove(PartialSet set)
    {
        _sets.Remove(set.Id);
        BufferedBytes -= set.Bytes;
        set.Chain.Bytes -= set.Bytes;
        set.Chain.Sets.Remove(set);
        if (set.Chain.Sets.Count == 0)
        {
            _chains.Remove(set.Chain.Node!);
        }
    }

    private static byte[] Concatenate(IReadOnlyList<ReadOnlyMemory<byte>> payloads)
    {
        long length = 0;
        foreach (var payload in payloads)
        {
            length += payload.Length;
        }

        var buffer = new byte[length];
        int offset = 0;
        foreach (var payload in payloads)
        {
            payload.Span.CopyTo(buffer.AsSpan(offset));
            offset += payload.Length;
        }

        return buffer;
    }

    private static ReassemblyStatus Finish(byte[] padded, int[] setIds, out ReassembledMessage? message)
    {
        if (!MessagePadding.TryUnpad(padded, out var content, out var replySurb))
        {
            message = null;
            return ReassemblyStatus.CorruptMessage;
        }

        message = new ReassembledMessage(content, replySurb, setIds);
        return ReassemblyStatus.Completed;
    }

    private sealed class PartialSet(int id, int total, Chain chain)
    {
        public int Id { get; } = id;

        public byte[]?[] Slots { get; } = new byte[total][];

        public int Filled { get; set; }

        public int Bytes { get; set; }

        public int Previous { get; set; }

        public int Next { get; set; }

        public Chain Chain { get; set; } = chain;

        public bool IsComplete => Filled == Slots.Length;
    }

    private sealed class Chain
    {
        public List<PartialSet> Sets { get; } = [];

        public long Bytes { get; set; }

        public long LastActivity { get; set; }

        public LinkedListNode<Chain>? Node { get; set; }
    }
}
