using Xunit;

namespace Nym.Client.Core.Tests;

public sealed class TrafficOptionsTests
{
    [Fact]
    public void DefaultsAreNym101s()
    {
        var d = TrafficOptions.Default;
        Assert.Equal(TimeSpan.FromMilliseconds(50), d.AveragePacketDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(50), d.AverageAckDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(200), d.LoopCoverTrafficAverageDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(20), d.MessageSendingAverageDelay);
        Assert.Equal(1.5, d.AckWaitMultiplier);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), d.AckWaitAddition);
        Assert.Equal(TimeSpan.FromMinutes(5), d.GatewayResponseTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), d.TopologyRefreshRate);
        Assert.Equal(TimeSpan.FromSeconds(5), d.TopologyResolutionTimeout);
        Assert.False(d.DisableLoopCoverTraffic);
    }

    [Fact]
    public void FastModeChangesOnlyNymsFourValues()
    {
        var fast = TrafficOptions.FastMode;
        Assert.Equal(TimeSpan.FromMilliseconds(10), fast.AveragePacketDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(50), fast.AverageAckDelay);
        Assert.Equal(TimeSpan.FromMinutes(33) + TimeSpan.FromSeconds(20), fast.LoopCoverTrafficAverageDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(4), fast.MessageSendingAverageDelay);
        Assert.Equal(TrafficOptions.Default with
        {
            AveragePacketDelay = fast.AveragePacketDelay, LoopCoverTrafficAverageDelay = fast.LoopCoverTrafficAverageDelay,
            MessageSendingAverageDelay = fast.MessageSendingAverageDelay,
        }, fast);
    }

    [Fact]
    public void AckTimeoutIsDelayTimesMultiplierPlusAddition()
    {
        // nym-mixnet.md §2.5: about 300 ms expected → 1.95 s.
        Assert.Equal(TimeSpan.FromMilliseconds(1950), TrafficOptions.Default.AckTimeout(TimeSpan.FromMilliseconds(300)));
        var custom = TrafficOptions.Default with { AckWaitMultiplier = 2, AckWaitAddition = TimeSpan.FromMilliseconds(10) };
        Assert.Equal(TimeSpan.FromMilliseconds(210), custom.AckTimeout(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void TimingIsSentInMicroseconds()
    {
        var timing = (TrafficOptions.Default with { AverageAckDelay = TimeSpan.FromMilliseconds(7) }).ToTiming();
        Assert.Equal(50_000UL, timing.AveragePacketDelayUs);
        Assert.Equal(7_000UL, timing.AverageAckDelayUs);
    }

    [Theory]
    [InlineData("MessageSendingAverageDelay")]
    [InlineData("AckWaitMultiplier")]
    [InlineData("AveragePacketDelay")]
    public void ValidateNamesTheBadValue(string name)
    {
        var bad = name switch
        {
            "MessageSendingAverageDelay" => TrafficOptions.Default with { MessageSendingAverageDelay = TimeSpan.Zero },
            "AckWaitMultiplier" => TrafficOptions.Default with { AckWaitMultiplier = double.NaN },
            _ => TrafficOptions.Default with { AveragePacketDelay = TimeSpan.FromMilliseconds(-1) },
        };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        TrafficOptions.Default.Validate();
        TrafficOptions.FastMode.Validate();
    }
}
