using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Nym.Client.Core;

/// <summary>
/// A small stock of loop cover packets (nym-mixnet.md §3), refilled in batches in the background (PrepareCover), so
/// that a stream tick never waits for an RPC and no RPC is made per packet (DESIGN.md principle 1). When the stock is
/// empty the tick simply sends nothing.
/// </summary>
internal sealed partial class CoverStock : IAsyncDisposable
{
    private readonly ConcurrentQueue<OutgoingPacket> _stock = new();
    private readonly Func<int, CancellationToken, Task<IReadOnlyList<OutgoingPacket>>> _prepare;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wanted = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _refilling = Task.CompletedTask;

    /// <param name="capacity">how many to keep; a refill is asked for when the stock falls to half.</param>
    public CoverStock(int capacity, Func<int, CancellationToken, Task<IReadOnlyList<OutgoingPacket>>> prepare, TimeProvider time, ILogger logger)
    {
        Capacity = capacity;
        _prepare = prepare;
        _time = time;
        _logger = logger;
    }

    public int Capacity { get; }

    public int Count => _stock.Count;

    /// <summary>Enough for half a second of both streams, within [16, 256].</summary>
    public static int CapacityFor(TrafficOptions options)
    {
        double perSecond = 1 / options.MessageSendingAverageDelay.TotalSeconds
            + (options.DisableLoopCoverTraffic ? 0 : 1 / options.LoopCoverTrafficAverageDelay.TotalSeconds);
        return (int)Math.Clamp(perSecond / 2, 16, 256);
    }

    public void Start() => _refilling = RefillAsync(_stopping.Token);

    public bool TryTake(out OutgoingPacket packet)
    {
        bool taken = _stock.TryDequeue(out packet!);
        if (_stock.Count <= Capacity / 2 && _wanted.CurrentCount == 0)
        {
            try
            {
                _wanted.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another taker asked first.
            }
        }

        return taken;
    }

    private async Task RefillAsync(CancellationToken cancellationToken)
    {
        int failures = 0;
        try
        {
            while (true)
            {
                if (_stock.Count > Capacity / 2)
                {
                    await _wanted.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    foreach (var packet in await _prepare(Capacity - _stock.Count, cancellationToken).ConfigureAwait(false))
                    {
                        _stock.Enqueue(packet);
                    }

                    failures = 0;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // The crypto service is away or has no route yet: try again later, more slowly each time.
                    failures++;
                    LogRefillFailed(e.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, Math.Min(failures, 10)), 10_000)), _time, cancellationToken)
                        .ConfigureAwait(false);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping, however the cancelled refill surfaced (e.g. as its gRPC call cancelled): not worth a warning.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _refilling.ConfigureAwait(false);
        _stopping.Dispose();
        _wanted.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not prepare cover packets: {Why}; retrying.")]
    private partial void LogRefillFailed(string why);
}
