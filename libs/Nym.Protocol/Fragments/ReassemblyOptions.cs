namespace Nym.Protocol.Fragments;

/// <summary>
/// Limits of <see cref="MessageReassembler"/>. Nym 1.0.1 has none of them (it buffers incomplete sets and
/// remembers completed ids forever, nym-mixnet.md §2.3); these bound memory against lost fragments and floods.
/// </summary>
public sealed record ReassemblyOptions
{
    /// <summary>Serialized fragment size P; payloads longer than P − 7 are refused.</summary>
    public int PlaintextPerFragment { get; init; } = FragmentLayout.RegularPlaintextPerFragment;

    /// <summary>How long a partly received message is kept after the last fragment that reached any of its sets.</summary>
    public TimeSpan IncompleteMessageLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the id of a completed set is remembered, so that late retransmissions are dropped.</summary>
    public TimeSpan CompletedSetIdLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Most completed set ids remembered at once; the oldest is forgotten first.</summary>
    public int MaxRememberedSetIds { get; init; } = 100_000;

    /// <summary>Most payload bytes buffered at once; also the largest message that can be reassembled.</summary>
    public long MaxBufferedBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>Most sets buffered at once (each costs a slot table besides its payloads).</summary>
    public int MaxBufferedSets { get; init; } = 4096;

    /// <summary>Throws for a value that cannot work (a configuration bug).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PlaintextPerFragment, FragmentLayout.MinPlaintextPerFragment, nameof(PlaintextPerFragment));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IncompleteMessageLifetime, TimeSpan.Zero, nameof(IncompleteMessageLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CompletedSetIdLifetime, TimeSpan.Zero, nameof(CompletedSetIdLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRememberedSetIds, 1, nameof(MaxRememberedSetIds));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedBytes, PlaintextPerFragment, nameof(MaxBufferedBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBufferedBytes, Array.MaxLength, nameof(MaxBufferedBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedSets, 1, nameof(MaxBufferedSets));
    }
}
