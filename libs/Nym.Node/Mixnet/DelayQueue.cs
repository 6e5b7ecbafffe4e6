using Nym.Protocol.Addressing;

namespace Nym.Node.Mixnet;

/// <summary>
/// Holds each packet until its instant, arrival + the delay its routing layer asks for (nym-mixnet.md §6), then
/// hands it to <c>release</c> (the outgoing links). Driven by a <see cref="TimeProvider"/> timer armed for the
/// earliest instant, so tests run on a fake clock. Bounded by the bytes it holds; a packet beyond that is dropped
/// and counted. Packets whose instant has already passed should not come here: <see cref="HopForwarder"/> sends
/// them at once, as Nym does.
/// </summary>
public sealed class DelayQueue : IDisposable
{
    /// <summary>Default bound: 128 MiB of packets, about 53,000 regular ones.</summary>
    public const long DefaultMaxBytes = 128L << 20;

    private readonly Action<NymNodeRoutingAddress, NodePacket> _release;
    private readonly NodeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly long _maxBytes;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<(NymNodeRoutingAddress NextHop, NodePacket Packet), long> _queue = new();
    private readonly ITimer _timer;
    private long _bytes;
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public DelayQueue(Action<NymNodeRoutingAddress, NodePacket> release, NodeMetrics metrics, TimeProvider time, long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 0);
        _release = release;
        _metrics = metrics;
        _time = time;
        _maxBytes = maxBytes;
        _timer = time.CreateTimer(_ => ReleaseDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        metrics.ObserveQueue("delay", () => Count);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Holds <paramref name="packet"/> until <paramref name="dueTimestamp"/> (<see cref="TimeProvider.GetTimestamp"/>
    /// units). Takes ownership; false when the queue is full or stopped (the packet is dropped and counted).
    /// </summary>
    public bool TryAdd(NymNodeRoutingAddress nextHop, NodePacket packet, long dueTimestamp)
    {
        lock (_lock)
        {
            if (!_disposed && _bytes + packet.Footprint <= _maxBytes)
            {
                _queue.Enqueue((nextHop, packet), dueTimestamp);
                _bytes += packet.Footprint;
                if (dueTimestamp < _armedFor)
                {
                    Arm(dueTimestamp);
                }

                return true;
            }
        }

        _metrics.CountDropped(_disposed ? DropReason.Shutdown : DropReason.DelayQueueFull);
        packet.Return();
        return false;
    }

    /// <summary>
    /// Shutdown: releases what is due now, drops (and counts) what is not, and stops the timer; later packets are
    /// dropped. The links should be flushed after this.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        ReleaseDue();
        lock (_lock)
        {
            _metrics.CountDropped(DropReason.Shutdown, _queue.Count);
            while (_queue.TryDequeue(out var entry, out _))
            {
                entry.Packet.Return();
            }

            _bytes = 0;
            _timer.Dispose();
        }
    }

    // One packet per lock so that the release (a channel write) never runs under the lock; concurrent runs (a timer
    // callback racing an earlier re-arm) are harmless because each dequeue is atomic.
    private void ReleaseDue()
    {
        while (true)
        {
            (NymNodeRoutingAddress NextHop, NodePacket Packet) entry;
            lock (_lock)
            {
                if (!_queue.TryPeek(out _, out long due))
                {
                    _armedFor = long.MaxValue;
                    return;
                }

                if (due > _time.GetTimestamp())
                {
                    if (!_disposed)
                    {
                        Arm(due);
                    }

                    return;
                }

                entry = _queue.Dequeue();
                _bytes -= entry.Packet.Footprint;
            }

            _release(entry.NextHop, entry.Packet);
        }
    }

    private void Arm(long dueTimestamp)
    {
        _armedFor = dueTimestamp;
        var wait = _time.GetElapsedTime(_time.GetTimestamp(), dueTimestamp);
        _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
