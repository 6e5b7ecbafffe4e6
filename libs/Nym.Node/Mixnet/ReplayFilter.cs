using System.Buffers.Binary;
using System.Security.Cryptography;
using Nym.Sphinx;

namespace Nym.Node.Mixnet;

/// <summary>Bounds of the replay filter. The defaults keep at most about 2 × 500,000 entries (tens of MB).</summary>
public sealed record ReplayFilterOptions
{
    /// <summary>Entries per generation; a full generation is rotated out.</summary>
    public int GenerationCapacity { get; init; } = 500_000;

    /// <summary>The age at which a generation is rotated out even if it is not full.</summary>
    public TimeSpan GenerationLifetime { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// D2: drops a packet whose Sphinx shared secret this node has seen before (Nym 1.0.1 has none, nym-mixnet.md §1.6),
/// recognised by its <see cref="SphinxHopResult.ReplayTag"/>, a one-way digest of the secret.
/// <para>It keeps a 128-bit HMAC-SHA256 of each tag under a key drawn at start: a sender knows its packets' tags, and
/// the key keeps it from choosing tags that all fall into one hash bucket. Two generations: new entries go into the current one; a lookup checks both; when the current one holds
/// <see cref="ReplayFilterOptions.GenerationCapacity"/> entries or is older than
/// <see cref="ReplayFilterOptions.GenerationLifetime"/>, the older generation is cleared and becomes the current one.</para>
/// <para><b>Window:</b> a replay is caught if it arrives within min(lifetime, the time this node takes to see
/// capacity packets) of the original, and may be caught up to twice that. Memory is bounded by 2 × capacity entries
/// whatever the traffic. Beyond the window replays pass, as every replay does in Nym, whose keys never rotate.</para>
/// <para>Only packets whose MAC verified are recorded, so a forged packet cannot block the real one.</para>
/// </summary>
public sealed class ReplayFilter
{
    private readonly ReplayFilterOptions _options;
    private readonly TimeProvider _time;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly Lock _lock = new();
    private HashSet<UInt128> _current = [];
    private HashSet<UInt128> _previous = [];
    private long _generationStarted;

    public ReplayFilter(ReplayFilterOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GenerationCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.GenerationLifetime, TimeSpan.Zero);
        _options = options;
        _time = time;
        _generationStarted = time.GetTimestamp();
    }

    /// <summary>Entries held now; never more than 2 × <see cref="ReplayFilterOptions.GenerationCapacity"/>.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _current.Count + _previous.Count;
            }
        }
    }

    /// <summary>Records <paramref name="replayTag"/>; false if it was already recorded (a replay).</summary>
    public bool TryAdd(in Bytes16 replayTag)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, replayTag.AsReadOnlySpan(), mac);
        var entry = BinaryPrimitives.ReadUInt128LittleEndian(mac);
        lock (_lock)
        {
            if (_current.Count >= _options.GenerationCapacity || _time.GetElapsedTime(_generationStarted) >= _options.GenerationLifetime)
            {
                // Clear keeps the set's capacity, so a node in steady state allocates nothing here.
                (_previous, _current) = (_current, _previous);
                _current.Clear();
                _generationStarted = _time.GetTimestamp();
            }

            return !_previous.Contains(entry) && _current.Add(entry);
        }
    }
}
