namespace Nym.Client.Core;

/// <summary>
/// Bounds the bytes of real packets a client holds: taken when a packet is queued, given back when it no longer needs
/// to be held (a fragment once acknowledged, a reply once written). A sender that finds no room waits for it
/// (backpressure to the app) instead of growing memory; a packet larger than the whole budget still goes when nothing
/// else is held, so no message is refused for its size alone.
/// </summary>
internal sealed class SendBudget(long capacity)
{
    private readonly object _lock = new();
    private long _used;
    private TaskCompletionSource _released = NewReleased();

    public long Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "The send budget must be positive.");

    /// <summary>Bytes held now.</summary>
    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> fit (or nothing is held), then takes them.</summary>
    public async ValueTask TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task released;
            lock (_lock)
            {
                if (_used == 0 || _used + bytes <= Capacity)
                {
                    _used += bytes;
                    return;
                }

                released = _released.Task;
            }

            await released.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Release(long bytes)
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            _used = Math.Max(0, _used - bytes);
            released = _released;
            _released = NewReleased();
        }

        // Every waiter looks again; those that still do not fit wait for the next release.
        released.TrySetResult();
    }

    private static TaskCompletionSource NewReleased() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
