namespace Nym.Client.Core;

/// <summary>Nym's <c>sample_poisson_duration</c> (nym-mixnet.md §3): exponential gaps, so sends form a Poisson process.</summary>
internal static class Poisson
{
    public static TimeSpan Sample(TimeSpan mean, Random random)
    {
        // 1 − U lies in (0, 1], so the logarithm is finite.
        double u = 1.0 - random.NextDouble();
        return TimeSpan.FromTicks((long)Math.Round(-Math.Log(u) * mean.Ticks));
    }

    /// <summary>
    /// Calls <paramref name="tick"/> at the instants of a Poisson process with mean gap <paramref name="mean"/>:
    /// next = previous deadline + Exp(mean), as Nym's streams do, so a slow tick does not slow the average rate; after
    /// a long stall (the gateway away) the schedule restarts from now instead of bursting to catch up.
    /// </summary>
    public static async Task RunAsync(TimeSpan mean, TimeProvider time, Random random, Func<CancellationToken, ValueTask> tick, CancellationToken cancellationToken)
    {
        var catchUpLimit = TimeSpan.FromTicks(Math.Max(mean.Ticks * 10, TimeSpan.TicksPerMillisecond * 100));
        long deadline = time.GetTimestamp();
        while (true)
        {
            deadline += (long)(Sample(mean, random).TotalSeconds * time.TimestampFrequency);
            var wait = time.GetElapsedTime(time.GetTimestamp(), deadline);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
            else if (-wait > catchUpLimit)
            {
                deadline = time.GetTimestamp();
            }

            cancellationToken.ThrowIfCancellationRequested();
            await tick(cancellationToken).ConfigureAwait(false);
        }
    }
}
