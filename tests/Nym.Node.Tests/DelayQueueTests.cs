using Microsoft.Extensions.Time.Testing;
using Nym.Node.Mixnet;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;
using Xunit;

namespace Nym.Node.Tests;

public sealed class DelayQueueTests : IDisposable
{
    /// <summary>What one regular packet counts against a byte bound: its pooled buffer.</summary>
    private static readonly int RegularFootprint = Nym.Node.Mixnet.NodePacket.Rent(PacketSize.Regular, PacketMode.Mix, 0).Footprint;

    private readonly FakeTimeProvider _time = new();
    private readonly NodeMetrics _metrics = new("Nym.Node.Tests.Delay");
    private readonly List<(NymNodeRoutingAddress NextHop, byte Tag)> _released = [];

    public void Dispose() => _metrics.Dispose();

    private DelayQueue Create(long maxBytes = DelayQueue.DefaultMaxBytes) => new((nextHop, packet) =>
    {
        lock (_released)
        {
            _released.Add((nextHop, packet.Span[0]));
        }

        packet.Return();
    }, _metrics, _time, maxBytes);

    private NodePacket Packet(byte tag) => NodePacket.Copy(TestPackets.Random(PacketSize.Regular, tag), PacketMode.Mix, _time.GetTimestamp());

    private long In(TimeSpan delay) => _time.GetTimestamp() + delay.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond;

    [Fact]
    public void Each_packet_leaves_at_its_instant_in_order_of_instants()
    {
        using var queue = Create();
        var hop = TestPackets.Address(1789);
        Assert.True(queue.TryAdd(hop, Packet(30), In(TimeSpan.FromMilliseconds(30))));
        Assert.True(queue.TryAdd(hop, Packet(10), In(TimeSpan.FromMilliseconds(10))));
        Assert.True(queue.TryAdd(hop, Packet(20), In(TimeSpan.FromMilliseconds(20))));

        _time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Empty(_released);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([10], _released.Select(r => r.Tag));
        _time.Advance(TimeSpan.FromMilliseconds(25));
        Assert.Equal([10, 20, 30], _released.Select(r => r.Tag));
        Assert.All(_released, r => Assert.Equal(hop, r.NextHop));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_packet_added_for_an_earlier_instant_rearms_the_timer()
    {
        using var queue = Create();
        var hop = TestPackets.Address(1);
        queue.TryAdd(hop, Packet(2), In(TimeSpan.FromSeconds(5)));
        queue.TryAdd(hop, Packet(1), In(TimeSpan.FromMilliseconds(1)));

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([1], _released.Select(r => r.Tag));
    }

    [Fact]
    public void The_byte_bound_drops_and_counts()
    {
        using var queue = Create(maxBytes: 2 * RegularFootprint);
        var hop = TestPackets.Address(1);

        Assert.True(queue.TryAdd(hop, Packet(1), In(TimeSpan.FromSeconds(1))));
        Assert.True(queue.TryAdd(hop, Packet(2), In(TimeSpan.FromSeconds(1))));
        Assert.False(queue.TryAdd(hop, Packet(3), In(TimeSpan.FromSeconds(1))));

        Assert.Equal(1, _metrics.Dropped(DropReason.DelayQueueFull));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(queue.TryAdd(hop, Packet(4), In(TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public void Stopping_drops_what_is_not_due_and_refuses_more()
    {
        var queue = Create();
        var hop = TestPackets.Address(1);
        queue.TryAdd(hop, Packet(1), In(TimeSpan.FromSeconds(1)));
        queue.TryAdd(hop, Packet(2), In(TimeSpan.FromSeconds(2)));

        queue.Dispose();

        Assert.Empty(_released);
        Assert.Equal(2, _metrics.Dropped(DropReason.Shutdown));
        Assert.False(queue.TryAdd(hop, Packet(3), In(TimeSpan.FromSeconds(1))));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(_released);
    }
}
