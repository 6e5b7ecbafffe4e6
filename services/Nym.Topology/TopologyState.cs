using Google.Protobuf;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Nym.Sphinx;
using Nym.Topology.V1;

namespace Nym.Topology;

/// <summary>
/// The registered nodes, in memory and in the <see cref="NodeStore"/>, and the <see cref="TopologySnapshot"/> that
/// readers see. Writes take a lock, so that the replay check and the write it guards are one step. A node is active
/// while fewer than the announce TTL has passed since its last accepted registration; a one-shot timer fires at the
/// next expiry so that watchers hear of a node leaving as promptly as of one arriving.
/// </summary>
internal sealed partial class TopologyState : IDisposable
{
    /// <summary>How far issued_at may be from the service's clock: the clock skew tolerated between node and service.</summary>
    public static readonly TimeSpan FreshnessWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Registration is open to anyone with a key, so the directory is bounded: at most this many identities, and a
    /// node silent for <see cref="InactiveRetention"/> is forgotten (its old requests are stale by then anyway).
    /// </summary>
    public const int MaxNodes = 10_000;

    public static readonly TimeSpan InactiveRetention = TimeSpan.FromDays(1);

    private readonly Lock _gate = new();
    private readonly NodeStore _store;
    private readonly TimeProvider _time;
    private readonly long _ttlMs;
    private readonly ILogger<TopologyState> _logger;
    private readonly Dictionary<Bytes32, Entry> _nodes = [];
    private readonly int _maxNodes;
    private readonly ITimer _expiryTimer;
    private TopologySnapshot _current;
    private bool _disposed;

    public TopologyState(NodeStore store, TimeSpan announceTtl, TimeProvider time, ILogger<TopologyState> logger, int maxNodes = MaxNodes)
    {
        _maxNodes = maxNodes;
        _store = store;
        _time = time;
        _ttlMs = (long)announceTtl.TotalMilliseconds;
        _logger = logger;
        AnnounceTtl = announceTtl;

        int unreadable = 0;
        foreach (var stored in store.LoadNodes())
        {
            NodeDescriptor? served = null;
            if (stored.SignedDescriptor is not null && !TryServed(stored.SignedDescriptor, out served))
            {
                unreadable++;
            }

            _nodes[stored.IdentityKey] = new Entry(served, stored);
        }

        if (unreadable > 0)
        {
            LogUnreadable(unreadable);
        }

        // A restart is a change as far as a watcher knows (nodes may have expired meanwhile): start past the last revision.
        ulong revision = store.LoadRevision() + 1;
        try
        {
            store.SaveRevision(revision);
        }
        catch (SqliteException e)
        {
            throw new TopologyStartupException($"cannot write to {NodeStore.FileName}: {e.Message}", e);
        }

        var now = time.GetUtcNow();
        _current = BuildSnapshot(revision, now);
        _expiryTimer = time.CreateTimer(_ => OnExpiryDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        ScheduleExpiry(now);
    }

    public TimeSpan AnnounceTtl { get; }

    public TopologySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Adds or refreshes a node whose request passed <see cref="RequestChecks"/>; null when accepted.</summary>
    public Refusal? Register(Bytes32 identity, NodeDescriptor descriptor, byte[] signedDescriptor, out DateTimeOffset expiresAt)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            expiresAt = now + AnnounceTtl;
            if (CheckFreshness(identity, descriptor.IssuedAtUnixMs, now) is { } refusal)
            {
                return refusal;
            }

            if (!_nodes.ContainsKey(identity) && _nodes.Count >= _maxNodes && Prune(now) == 0)
            {
                return new Refusal(StatusCode.ResourceExhausted, RefusalReason.Full,
                    $"the topology holds its maximum of {_maxNodes} nodes; try again when silent nodes have been forgotten");
            }

            var served = descriptor.Clone();
            served.IssuedAtUnixMs = 0;
            return Commit(
                new Entry(served, new StoredNode(identity, signedDescriptor, now.ToUnixTimeMilliseconds(), (long)descriptor.IssuedAtUnixMs)), now);
        }
    }

    /// <summary>Removes a node; its last issued_at stays stored so that its old requests cannot be replayed.</summary>
    public Refusal? Deregister(Bytes32 identity, ulong issuedAtUnixMs)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (CheckFreshness(identity, issuedAtUnixMs, now) is { } refusal)
            {
                return refusal;
            }

            // An identity never seen has nothing to remove, and storing it would let anyone grow the table.
            return _nodes.TryGetValue(identity, out var entry)
                ? Commit(new Entry(null, entry.Stored with { SignedDescriptor = null, LastIssuedAtMs = (long)issuedAtUnixMs }), now)
                : null;
        }
    }

    public bool StoreIsReadable() => _store.IsReadable();

    public void Dispose()
    {
        // Under the lock, so that an expiry already running finishes before the store closes.
        lock (_gate)
        {
            _disposed = true;
            _expiryTimer.Dispose();
            _store.Dispose();
        }
    }

    private Refusal? CheckFreshness(Bytes32 identity, ulong issuedAtUnixMs, DateTimeOffset now)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        long windowMs = (long)FreshnessWindow.TotalMilliseconds;
        if (issuedAtUnixMs > (ulong)(nowMs + windowMs) || (long)issuedAtUnixMs < nowMs - windowMs)
        {
            return Refusal.Invalid(RefusalReason.Stale,
                $"issued_at_unix_ms must be within {FreshnessWindow.TotalMinutes:0} minutes of the service's clock, which reads {nowMs} ({now:u}); " +
                "sign a fresh request, and check the node's clock");
        }

        return _nodes.TryGetValue(identity, out var entry) && (long)issuedAtUnixMs <= entry.Stored.LastIssuedAtMs
            ? Refusal.Invalid(RefusalReason.Replay,
                "issued_at_unix_ms is not newer than that of the last request accepted for this identity key; a request is accepted once, so sign a new one")
            : null;
    }

    private Refusal? Commit(Entry entry, DateTimeOffset now)
    {
        var identity = entry.Stored.IdentityKey;
        bool existed = _nodes.TryGetValue(identity, out var previous);
        _nodes[identity] = entry;
        var next = BuildSnapshot(_current.Revision + 1, now);
        bool changed = !next.SameNodes(_current);
        try
        {
            _store.Save(entry.Stored, changed ? next.Revision : _current.Revision);
        }
        catch (SqliteException e)
        {
            if (existed)
            {
                _nodes[identity] = previous!;
            }
            else
            {
                _nodes.Remove(identity);
            }

            LogStoreFailure(e.SqliteErrorCode, e.Message);
            return new Refusal(StatusCode.Unavailable, RefusalReason.StoreFailure, "the topology store could not save the request; try again later");
        }

        if (changed)
        {
            Publish(next);
        }

        ScheduleExpiry(now);
        return null;
    }

    /// <summary>Forgets the nodes silent for longer than <see cref="InactiveRetention"/>; returns how many.</summary>
    private int Prune(DateTimeOffset now)
    {
        long cutoff = now.ToUnixTimeMilliseconds() - (long)InactiveRetention.TotalMilliseconds;
        var silent = _nodes.Where(n => n.Value.Stored.AnnouncedAtMs < cutoff).Select(n => n.Key).ToArray();
        if (silent.Length == 0)
        {
            return 0;
        }

        try
        {
            _store.Delete(silent);
        }
        catch (SqliteException e)
        {
            LogStoreFailure(e.SqliteErrorCode, e.Message);
            return 0;
        }

        foreach (var identity in silent)
        {
            _nodes.Remove(identity);
        }

        // Forgotten nodes were inactive, so the active topology is unchanged; /v1/mixnodes loses them at the next change.
        return silent.Length;
    }

    private void OnExpiryDue()
    {
        lock (_gate)
        {
            // A timer callback already queued when the service stopped: the store is closed, nothing to do.
            if (_disposed)
            {
                return;
            }

            var now = _time.GetUtcNow();
            Prune(now);
            var next = BuildSnapshot(_current.Revision + 1, now);
            if (!next.SameNodes(_current))
            {
                try
                {
                    _store.SaveRevision(next.Revision);
                }
                catch (SqliteException e)
                {
                    // The expiry is real whether or not its revision number is saved; serve it.
                    LogStoreFailure(e.SqliteErrorCode, e.Message);
                }

                Publish(next);
            }

            ScheduleExpiry(now);
        }
    }

    private void Publish(TopologySnapshot next)
    {
        var previous = _current;
        Volatile.Write(ref _current, next);
        previous.Supersede();
    }

    /// <summary>Arms the timer for the moment the next active node expires (active means now &lt; announced + TTL).</summary>
    private void ScheduleExpiry(DateTimeOffset now)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        long next = long.MaxValue;
        foreach (var entry in _nodes.Values)
        {
            long expiry = entry.Stored.AnnouncedAtMs + _ttlMs;
            if (entry.Served is not null && expiry > nowMs && expiry < next)
            {
                next = expiry;
            }
        }

        _expiryTimer.Change(next == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(next - nowMs), Timeout.InfiniteTimeSpan);
    }

    private TopologySnapshot BuildSnapshot(ulong revision, DateTimeOffset now)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        var active = new List<NodeDescriptor>();
        var allMixNodes = new List<NodeDescriptor>();
        foreach (var entry in _nodes.Values)
        {
            if (entry.Served is not { } node)
            {
                continue;
            }

            if (nowMs < entry.Stored.AnnouncedAtMs + _ttlMs)
            {
                active.Add(node);
            }

            if (node.Kind == NodeKind.MixNode)
            {
                allMixNodes.Add(node);
            }
        }

        // A fixed order, so that the same nodes always give the same snapshot and comparing two is meaningful.
        active.Sort(ServedOrder);
        allMixNodes.Sort(ServedOrder);
        return new TopologySnapshot(revision, active, allMixNodes);
    }

    private static int ServedOrder(NodeDescriptor a, NodeDescriptor b) =>
        a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind)
        : a.Layer != b.Layer ? a.Layer.CompareTo(b.Layer)
        : a.IdentityKey.Span.SequenceCompareTo(b.IdentityKey.Span);

    /// <summary>The descriptor as served: issued_at left out, so that a refresh that changes nothing else is no change.</summary>
    private static bool TryServed(byte[] signedDescriptor, out NodeDescriptor? served)
    {
        served = null;
        try
        {
            served = RequestChecks.DescriptorParser.ParseFrom(signedDescriptor);
            served.IssuedAtUnixMs = 0;
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} stored registrations no longer parse as descriptors; those nodes are not served until they register again")]
    private partial void LogUnreadable(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The topology store failed (SQLite error {Code}): {Reason}")]
    private partial void LogStoreFailure(int code, string reason);

    /// <summary>A node as served (null once deregistered) and as stored.</summary>
    private sealed record Entry(NodeDescriptor? Served, StoredNode Stored);
}
