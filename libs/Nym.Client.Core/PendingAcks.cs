using System.Threading.Channels;
using Nym.Protocol.Fragments;

namespace Nym.Client.Core;

/// <summary>A fragment sent and not yet acknowledged: what RePrepareFragments needs to send it again.</summary>
internal sealed record PendingFragment(FragmentIdentifier Id, string Recipient, byte[] Fragment);

/// <summary>
/// The fragments waiting for their SURB-ACK (nym-mixnet.md §2.5). A fragment is added when its message is prepared;
/// its timer starts only when its packet is actually written (<see cref="Sent"/>) and runs for
/// expected delay × multiplier + addition; on expiry the fragment goes to <see cref="Expired"/> to be re-prepared and
/// queued again, with no retry limit. An ack removes it and stops its timer, and gives its bytes back to the
/// <see cref="SendBudget"/> they were taken from when it was queued (so the budget bounds this table too).
/// </summary>
internal sealed class PendingAcks : IDisposable
{
    private readonly TrafficOptions _options;
    private readonly TimeProvider _time;
    private readonly SendBudget? _budget;
    private readonly Dictionary<FragmentIdentifier, Entry> _pending = [];
    private readonly Channel<PendingFragment> _expired = Channel.CreateUnbounded<PendingFragment>(new UnboundedChannelOptions { SingleReader = true });

    public PendingAcks(TrafficOptions options, TimeProvider time, SendBudget? budget = null)
    {
        _options = options;
        _time = time;
        _budget = budget;
    }

    /// <summary>Fragments whose ack did not come in time, each once per expiry.</summary>
    public ChannelReader<PendingFragment> Expired => _expired.Reader;

    public int Count
    {
        get
        {
            lock (_pending)
            {
                return _pending.Count;
            }
        }
    }

    /// <param name="budgeted">the bytes taken from the budget for it, given back when it leaves.</param>
    public void Add(PendingFragment fragment, long budgeted = 0)
    {
        Entry? replaced;
        lock (_pending)
        {
            _pending.Remove(fragment.Id, out replaced);
            replaced?.Timer?.Dispose();
            _pending[fragment.Id] = new Entry(fragment, budgeted);
        }

        if (replaced is not null)
        {
            _budget?.Release(replaced.Budgeted);
        }
    }

    public bool IsPending(FragmentIdentifier id)
    {
        lock (_pending)
        {
            return _pending.ContainsKey(id);
        }
    }

    /// <summary>The fragment's packet has just been written: its timer starts now. Ignored when it was acked meanwhile.</summary>
    public void Sent(FragmentIdentifier id, TimeSpan expectedDelay)
    {
        lock (_pending)
        {
            if (!_pending.TryGetValue(id, out var entry))
            {
                return;
            }

            entry.Timer?.Dispose();
            entry.Timer = _time.CreateTimer(static state => ((PendingAcks)((object[])state!)[0]).Expire((Entry)((object[])state)[1]),
                new object[] { this, entry }, _options.AckTimeout(expectedDelay), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Removes the fragment; false when it was not pending (a duplicate or late ack, or cover).</summary>
    public bool Acknowledge(FragmentIdentifier id) => Remove(id);

    /// <summary>Gives up on a fragment whose message could not be sent whole: no retransmission, its bytes given back.</summary>
    public void Forget(FragmentIdentifier id) => Remove(id);

    private bool Remove(FragmentIdentifier id)
    {
        Entry? entry;
        lock (_pending)
        {
            if (!_pending.Remove(id, out entry))
            {
                return false;
            }

            entry.Timer?.Dispose();
        }

        _budget?.Release(entry.Budgeted);
        return true;
    }

    private void Expire(Entry entry)
    {
        lock (_pending)
        {
            // Only if this entry is still the pending one: an ack may have raced the timer.
            if (!_pending.TryGetValue(entry.Fragment.Id, out var current) || !ReferenceEquals(current, entry))
            {
                return;
            }

            entry.Timer?.Dispose();
            entry.Timer = null;
        }

        _expired.Writer.TryWrite(entry.Fragment);
    }

    public void Dispose()
    {
        lock (_pending)
        {
            foreach (var entry in _pending.Values)
            {
                entry.Timer?.Dispose();
            }

            _pending.Clear();
        }

        _expired.Writer.TryComplete();
    }

    private sealed class Entry(PendingFragment fragment, long budgeted)
    {
        public PendingFragment Fragment { get; } = fragment;

        public long Budgeted { get; } = budgeted;

        public ITimer? Timer { get; set; }
    }
}
