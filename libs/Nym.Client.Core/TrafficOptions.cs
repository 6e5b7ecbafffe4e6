namespace Nym.Client.Core;

/// <summary>
/// Nym 1.0.1's <c>[debug]</c> section of config.toml (nym-client-api.md §7, nym-mixnet.md §3): the client's traffic
/// shape. The defaults are Nym 1.0.1's.
/// </summary>
public sealed record TrafficOptions
{
    /// <summary>Mean of the per-hop exponential delay of data, cover and reply-SURB packets.</summary>
    public TimeSpan AveragePacketDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Mean of the per-hop delay of SURB-ACKs.</summary>
    public TimeSpan AverageAckDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Mean gap of the separate loop cover stream.</summary>
    public TimeSpan LoopCoverTrafficAverageDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Mean gap of the main stream, which sends a cover packet when no real one waits.</summary>
    public TimeSpan MessageSendingAverageDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Retransmission timeout = expected delay × this + <see cref="AckWaitAddition"/> (§2.5).</summary>
    public double AckWaitMultiplier { get; init; } = 1.5;

    public TimeSpan AckWaitAddition { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long the gateway may take to answer a registration or an authentication.</summary>
    public TimeSpan GatewayResponseTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan TopologyRefreshRate { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one validator API may take to answer before the next URL is tried.</summary>
    public TimeSpan TopologyResolutionTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Not one of Nym's options (Nym 1.0.1's queue is unbounded): the most bytes of real packets the client holds, queued
    /// or sent and not yet acknowledged. A send that finds no room waits for acks (backpressure to the app).
    /// </summary>
    public long SendBudgetBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Switches off the separate loop cover stream (the main stream still sends cover when idle).</summary>
    public bool DisableLoopCoverTraffic { get; init; }

    public static TrafficOptions Default { get; } = new();

    /// <summary>Nym's <c>--fastmode</c> (<c>set_high_default_traffic_volume</c>, nym-mixnet.md §3): 10 ms hops, the cover
    /// stream effectively off (2000 s), 4 ms sending.</summary>
    public static TrafficOptions FastMode { get; } = new()
    {
        AveragePacketDelay = TimeSpan.FromMilliseconds(10),
        LoopCoverTrafficAverageDelay = TimeSpan.FromSeconds(2000),
        MessageSendingAverageDelay = TimeSpan.FromMilliseconds(4),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        Check(AveragePacketDelay >= TimeSpan.Zero, nameof(AveragePacketDelay), "may not be negative");
        Check(AverageAckDelay >= TimeSpan.Zero, nameof(AverageAckDelay), "may not be negative");
        Check(LoopCoverTrafficAverageDelay > TimeSpan.Zero, nameof(LoopCoverTrafficAverageDelay), "must be positive");
        Check(MessageSendingAverageDelay > TimeSpan.Zero, nameof(MessageSendingAverageDelay), "must be positive");
        Check(AckWaitMultiplier >= 0 && double.IsFinite(AckWaitMultiplier), nameof(AckWaitMultiplier), "must be a finite number ≥ 0");
        Check(AckWaitAddition >= TimeSpan.Zero, nameof(AckWaitAddition), "may not be negative");
        Check(GatewayResponseTimeout > TimeSpan.Zero, nameof(GatewayResponseTimeout), "must be positive");
        Check(TopologyRefreshRate > TimeSpan.Zero, nameof(TopologyRefreshRate), "must be positive");
        Check(TopologyResolutionTimeout > TimeSpan.Zero, nameof(TopologyResolutionTimeout), "must be positive");
        Check(SendBudgetBytes > 0, nameof(SendBudgetBytes), "must be positive");
    }

    /// <summary>§2.5: (total delay × multiplier) + addition, the multiplication on nanoseconds as Nym does it.</summary>
    internal TimeSpan AckTimeout(TimeSpan expectedDelay) =>
        TimeSpan.FromTicks((long)(expectedDelay.Ticks * AckWaitMultiplier)) + AckWaitAddition;

    internal Nym.Crypto.V1.PacketTiming ToTiming() => new()
    {
        AveragePacketDelayUs = (ulong)(AveragePacketDelay.Ticks / TimeSpan.TicksPerMicrosecond),
        AverageAckDelayUs = (ulong)(AverageAckDelay.Ticks / TimeSpan.TicksPerMicrosecond),
    };

    private static void Check(bool ok, string name, string what)
    {
        if (!ok)
        {
            throw new ArgumentException($"The traffic option {name} {what}.");
        }
    }
}
