using Microsoft.Extensions.Time.Testing;
using Nym.Protocol.Fragments;
using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>The ack timers of nym-mixnet.md §2.5, on fake time.</summary>
public sealed class PendingAcksTests
{
    private static readonly TrafficOptions Options = TrafficOptions.Default with { AckWaitMultiplier = 1.5, AckWaitAddition = TimeSpan.FromSeconds(1) };
    private readonly FakeTimeProvider _time = new();

    private static PendingFragment Fragment(int set, byte position) => new(new FragmentIdentifier(set, position), "recipient", [1, 2, 3]);

    [Fact]
    public void TheTimerStartsWhenThePacketIsSentNotWhenItIsQueued()
    {
        using var acks = new PendingAcks(Options, _time);
        var fragment = Fragment(7, 1);
        acks.Add(fragment);
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(acks.Expired.TryRead(out _));

        // 200 ms expected → 1.3 s timeout.
        acks.Sent(fragment.Id, TimeSpan.FromMilliseconds(200));
        _time.Advance(TimeSpan.FromMilliseconds(1299));
        Assert.False(acks.Expired.TryRead(out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(acks.Expired.TryRead(out var expired));
        Assert.Equal(fragment, expired);
        Assert.True(acks.IsPending(fragment.Id));
    }

    [Fact]
    public void AnAckStopsTheTimerAndCountsOnce()
    {
        using var acks = new PendingAcks(Options, _time);
        var fragment = Fragment(8, 2);
        acks.Add(fragment);
        acks.Sent(fragment.Id, TimeSpan.Zero);
        Assert.True(acks.Acknowledge(fragment.Id));
        Assert.False(acks.Acknowledge(fragment.Id));
        Assert.False(acks.Acknowledge(FragmentIdentifier.Cover));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(acks.Expired.TryRead(out _));
        Assert.Equal(0, acks.Count);
    }

    [Fact]
    public void EveryExpiryRetransmitsAgainUntilAcknowledged()
    {
        using var acks = new PendingAcks(Options, _time);
        var fragment = Fragment(9, 3);
        acks.Add(fragment);
        for (int round = 0; round < 3; round++)
        {
            acks.Sent(fragment.Id, TimeSpan.Zero);
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(acks.Expired.TryRead(out _), $"expiry {round}");
            Assert.False(acks.Expired.TryRead(out _));
        }

        acks.Sent(fragment.Id, TimeSpan.Zero);
        acks.Acknowledge(fragment.Id);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(acks.Expired.TryRead(out _));
    }

    [Fact]
    public void SendingAgainRestartsTheTimer()
    {
        using var acks = new PendingAcks(Options, _time);
        var fragment = Fragment(10, 1);
        acks.Add(fragment);
        acks.Sent(fragment.Id, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromMilliseconds(900));
        acks.Sent(fragment.Id, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.False(acks.Expired.TryRead(out _));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(acks.Expired.TryRead(out _));
    }

    [Fact]
    public void AnAckedFragmentSentLateStartsNoTimer()
    {
        using var acks = new PendingAcks(Options, _time);
        var fragment = Fragment(11, 1);
        acks.Add(fragment);
        acks.Acknowledge(fragment.Id);
        acks.Sent(fragment.Id, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(acks.Expired.TryRead(out _));
    }
}
