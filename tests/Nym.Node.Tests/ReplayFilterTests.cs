using Microsoft.Extensions.Time.Testing;
using Nym.Node.Mixnet;
using Nym.Sphinx;
using Xunit;

namespace Nym.Node.Tests;

public sealed class ReplayFilterTests
{
    private static Bytes16 Tag(int i)
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes, i);
        return Bytes16.From(bytes);
    }

    [Fact]
    public void A_secret_seen_before_is_a_replay()
    {
        var filter = new ReplayFilter(new ReplayFilterOptions(), new FakeTimeProvider());

        Assert.True(filter.TryAdd(Tag(1)));
        Assert.True(filter.TryAdd(Tag(2)));
        Assert.False(filter.TryAdd(Tag(1)));
        Assert.False(filter.TryAdd(Tag(2)));
    }

    [Fact]
    public void The_window_spans_the_current_and_the_previous_generation_by_size()
    {
        var filter = new ReplayFilter(new ReplayFilterOptions { GenerationCapacity = 3 }, new FakeTimeProvider());
        for (int i = 1; i <= 3; i++)
        {
            Assert.True(filter.TryAdd(Tag(i)));
        }

        Assert.True(filter.TryAdd(Tag(4)));   // rotates: {1,2,3} becomes the previous generation
        Assert.False(filter.TryAdd(Tag(1)));  // still remembered
        Assert.True(filter.TryAdd(Tag(5)));
        Assert.True(filter.TryAdd(Tag(6)));
        Assert.True(filter.TryAdd(Tag(7)));   // rotates again: {1,2,3} is forgotten
        Assert.False(filter.TryAdd(Tag(4)));
        Assert.True(filter.TryAdd(Tag(1)));
    }

    [Fact]
    public void The_window_also_ends_by_age()
    {
        var time = new FakeTimeProvider();
        var filter = new ReplayFilter(new ReplayFilterOptions { GenerationLifetime = TimeSpan.FromMinutes(1) }, time);
        Assert.True(filter.TryAdd(Tag(1)));

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.True(filter.TryAdd(Tag(2)));   // rotates: 1 is in the previous generation
        Assert.False(filter.TryAdd(Tag(1)));

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.True(filter.TryAdd(Tag(3)));   // rotates again
        Assert.True(filter.TryAdd(Tag(1)));
    }

    [Fact]
    public void Memory_is_bounded_whatever_the_traffic()
    {
        var filter = new ReplayFilter(new ReplayFilterOptions { GenerationCapacity = 100 }, new FakeTimeProvider());
        for (int i = 0; i < 10_000; i++)
        {
            filter.TryAdd(Tag(i));
            Assert.True(filter.Count <= 200);
        }

        Assert.Equal(200, filter.Count);
    }
}
