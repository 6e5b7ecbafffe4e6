using Microsoft.Extensions.Logging.Abstractions;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Core.Tests;

public sealed class CoverStockTests
{
    private static OutgoingPacket Packet() => new([0], null, TimeSpan.Zero);

    [Fact]
    public async Task RefillsInBatchesWhenHalfEmpty()
    {
        var requests = new List<int>();
        var stock = new CoverStock(16, (count, _) =>
        {
            lock (requests)
            {
                requests.Add(count);
            }

            return Task.FromResult<IReadOnlyList<OutgoingPacket>>(Enumerable.Range(0, count).Select(_ => Packet()).ToArray());
        }, TimeProvider.System, NullLogger.Instance);
        await using (stock)
        {
            stock.Start();
            await Eventually.TrueAsync(() => stock.Count == 16, "the first fill");
            for (int i = 0; i < 8; i++)
            {
                Assert.True(stock.TryTake(out _));
            }

            await Eventually.TrueAsync(() => stock.Count == 16, "the refill");
            lock (requests)
            {
                // One batch per refill, never one call per packet.
                Assert.Equal([16, 8], requests);
            }
        }
    }

    [Fact]
    public async Task AnEmptyStockGivesNothingAndRecoversAfterFailures()
    {
        int calls = 0;
        var stock = new CoverStock(16, (count, _) => Interlocked.Increment(ref calls) <= 2
            ? throw new InvalidOperationException("no route yet")
            : Task.FromResult<IReadOnlyList<OutgoingPacket>>(Enumerable.Range(0, count).Select(_ => Packet()).ToArray()),
            TimeProvider.System, NullLogger.Instance);
        await using (stock)
        {
            Assert.False(stock.TryTake(out _));
            stock.Start();
            await Eventually.TrueAsync(() => stock.Count == 16, "a fill after two failures");
            Assert.True(stock.TryTake(out _));
        }
    }

    [Theory]
    [InlineData(20, 200, false, 27)]
    [InlineData(4, 2_000_000, false, 125)]
    [InlineData(1000, 2000, true, 16)]
    [InlineData(1, 200, false, 256)]
    public void CapacityCoversHalfASecondOfBothStreams(int sendingMs, int coverMs, bool coverOff, int expected)
    {
        var options = TrafficOptions.Default with
        {
            MessageSendingAverageDelay = TimeSpan.FromMilliseconds(sendingMs),
            LoopCoverTrafficAverageDelay = TimeSpan.FromMilliseconds(coverMs),
            DisableLoopCoverTraffic = coverOff,
        };
        Assert.Equal(expected, CoverStock.CapacityFor(options));
    }
}
