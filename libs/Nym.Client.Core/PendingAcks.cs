using System.Threading.Channels;
using Nym.Protocol.Fragments;

namespace Nym.Client.Core;

/// <summary>A fragment sent and not yet acknowledged: what RePrepareFragments needs to send it again.</summary>
internal sealed record PendingFragment(FragmentIdentifier Id, string Recipient, byte[] Fragment);

/// <summary>
/// The fragments waiting for their SURB-ACK (nym-mixnet.md §2.5). A fragment is added when its message is prepared;
/// its timer starts only when its packet is actually written (<see cref="Sent"/>) and runs for
/// expected delay × multiplier + addition; on expiry the fragment goes to <see cref="Expired"/> to be re-prepared and
/// queued again, with no retry limit. An ack removes it and stops its timer.
/// </summary>
internal sealed class PendingAcks : IDisposable
{
    private readonly TrafficOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<FragmentIdentifier, Entry> _pending = [];
    private readonly Channel<PendingFragment> _expired = Channel.CreateUnbounded<PendingFragment>(new UnboundedChannelOptions { SingleReader = true });

    public PendingAcks(TrafficOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
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

    public void Add(PendingFragment fragment)
    {
        lock (_pending)
        {
            _pending[fragment.Id] = new Entry(fragment);
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
    public bool Acknowledge(FragmentIdentifier id)
    {
        lock (_pending)
        {
            if (!_pending.Remove(id, out var entry))
            {
                return false;
            }

            entry.Timer?.Dispose();
            return true;
        }
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

    private sealed class Entry(PendingFragment fragment)
    {
        public PendingFragment Fragment { get; } = fragment;

        public ITimer? Timer { get; set; }
    }
}
