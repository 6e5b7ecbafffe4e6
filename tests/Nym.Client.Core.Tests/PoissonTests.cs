using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Nym.Client.Core.Tests;

public sealed class PoissonTests
{
    [Fact]
    public void GapsAreExponentialWithTheGivenMean()
    {
        var random = new Random(1234);
        var mean = TimeSpan.FromMilliseconds(20);
        var samples = Enumerable.Range(0, 100_000).Select(_ => Poisson.Sample(mean, random).TotalMilliseconds).ToArray();
        Assert.All(samples, s => Assert.True(s >= 0));
        Assert.InRange(samples.Average(), 19.6, 20.4);

        // Exponential: P(gap > mean) = 1/e ≈ 0.368.
        Assert.InRange(samples.Count(s => s > 20) / (double)samples.Length, 0.36, 0.376);
    }

    [Fact]
    public async Task TicksFollowTheFakeClock()
    {
        var time = new FakeTimeProvider();
        int ticks = 0;
        using var stop = new CancellationTokenSource();
        var stream = Poisson.RunAsync(TimeSpan.FromMilliseconds(100), time, new Random(42), _ =>
        {
            Interlocked.Increment(ref ticks);
            return ValueTask.CompletedTask;
        }, stop.Token);

        // Without time passing, the stream waits (a zero first gap may give one tick at most).
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.InRange(Volatile.Read(ref ticks), 0, 1);

        // 60 s of fake time in 1 ms steps: about 600 ticks.
        for (int i = 0; i < 60_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            if (i % 100 == 0)
            {
                await Task.Yield();
            }
        }

        await Nym.TestNetwork.Eventually.TrueAsync(() => Volatile.Read(ref ticks) >= 450, "the stream to catch up with the fake clock");
        Assert.InRange(Volatile.Read(ref ticks), 450, 750);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream);
    }
}
