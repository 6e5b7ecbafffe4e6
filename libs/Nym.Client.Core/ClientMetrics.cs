using System.Diagnostics.Metrics;

namespace Nym.Client.Core;

/// <summary>
/// The client's instruments (Meter <see cref="MeterName"/>): real and cover packets sent, acks received,
/// retransmissions, real packets waiting, connected apps. DESIGN.md principle 2: no tag names a client, an address or
/// a packet, so every client in a process adds to the same series.
/// </summary>
public static class ClientMetrics
{
    public const string MeterName = "Nym.Client";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> RealPackets = Meter.CreateCounter<long>(
        "nym.client.real_packets_sent", "{packet}", "Packets of messages, replies and retransmissions written to the gateway");

    private static readonly Counter<long> CoverPackets = Meter.CreateCounter<long>(
        "nym.client.cover_packets_sent", "{packet}", "Loop cover packets written to the gateway");

    private static readonly Counter<long> Acks = Meter.CreateCounter<long>(
        "nym.client.acks_received", "{ack}", "SURB-ACKs of packets still waiting for one");

    private static readonly Counter<long> Retransmissions = Meter.CreateCounter<long>(
        "nym.client.retransmissions", "{packet}", "Fragments sent again because their ack did not come in time");

    private static readonly UpDownCounter<long> Queue = Meter.CreateUpDownCounter<long>(
        "nym.client.queue_length", "{packet}", "Real packets waiting for the main Poisson stream");

    private static readonly UpDownCounter<long> Apps = Meter.CreateUpDownCounter<long>(
        "nym.client.connected_apps", "{connection}", "Apps connected to the websocket API");

    /// <summary>For the exe: an app connected (+1) or left (−1).</summary>
    public static void AppConnections(int change) => Apps.Add(change);

    internal static void RealPacketSent() => RealPackets.Add(1);

    internal static void CoverPacketSent() => CoverPackets.Add(1);

    internal static void AckReceived() => Acks.Add(1);

    internal static void Retransmitted(int count) => Retransmissions.Add(count);

    internal static void QueueChanged(int change) => Queue.Add(change);
}
