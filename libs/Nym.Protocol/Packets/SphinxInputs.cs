using System.Security.Cryptography;
using Nym.Sphinx;

namespace Nym.Protocol.Packets;

/// <summary>
/// Every random value one Sphinx packet of Nym needs, drawn by the caller: the route (3 mixes and a gateway), the
/// per-hop delays, the sender's ephemeral secret and the final-hop padding. Explicit so that tests reproduce the
/// vectors byte for byte; <see cref="Random"/> draws them for real use.
/// </summary>
public sealed record SphinxInputs(SphinxHop[] Route, ulong[] Delays, byte[] InitialSecret, byte[] FinalHopPadding)
{
    /// <summary>Nym's routes: three mix layers and a gateway (nym-mixnet.md §3).</summary>
    public const int RouteLength = 4;

    /// <summary>The delay a packet spends in the mixes; the gateway's own delay is never applied (§2.2).</summary>
    public ulong MixDelay => Delays[0] + Delays[1] + Delays[2];

    public static SphinxInputs Random(SphinxHop[] route, TimeSpan averageDelay, System.Random random)
    {
        var delays = new ulong[route.Length];
        for (int i = 0; i < delays.Length; i++)
        {
            delays[i] = PacketDelay.Sample(averageDelay, random);
        }

        return new SphinxInputs(route, delays, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(SphinxConstants.FinalHopPaddingLength(route.Length)));
    }

    internal void Build(SphinxPacketBuilder builder, in SphinxDestination destination, ReadOnlySpan<byte> plaintext, Span<byte> packet) =>
        builder.Build(Route, Delays, destination, plaintext, InitialSecret, FinalHopPadding, packet);
}

/// <summary>Per-hop delays drawn from an exponential distribution, as Nym's <c>Exp(1/mean)</c> rounded to nanoseconds.</summary>
public static class PacketDelay
{
    public static ulong Sample(TimeSpan average, System.Random random)
    {
        double meanNanoseconds = average.Ticks * 100.0;
        if (meanNanoseconds <= 0)
        {
            return 0;
        }

        // 1 − U is in (0, 1], so the logarithm is finite.
        return (ulong)Math.Round(-Math.Log(1.0 - random.NextDouble()) * meanNanoseconds);
    }
}
