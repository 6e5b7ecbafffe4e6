using Nym.Protocol.Addressing;

namespace Nym.Node.Mixnet;

/// <summary>
/// A forward hop's way out (nym-mixnet.md §6): the next hop from the routing layer, the instant
/// arrival + delay, then straight to the link if that instant has passed, else into the delay queue. A delay above
/// the cap is dropped (counted), as is a next hop that is not a node address.
/// </summary>
public sealed class HopForwarder
{
    private readonly MixLinks _links;
    private readonly DelayQueue _delays;
    private readonly NodeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ulong _maximumDelayNanoseconds;
    private readonly double _timestampsPerNanosecond;

    public HopForwarder(MixLinks links, DelayQueue delays, NodeMetrics metrics, TimeProvider time, TimeSpan maximumDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumDelay, TimeSpan.Zero);
        _links = links;
        _delays = delays;
        _metrics = metrics;
        _time = time;
        _maximumDelayNanoseconds = (ulong)maximumDelay.Ticks * 100;
        _timestampsPerNanosecond = time.TimestampFrequency / 1e9;
    }

    /// <summary>Takes ownership of <c>hop.Packet</c>, whose buffer holds the next packet.</summary>
    public void Forward(in ProcessedHop hop)
    {
        if (!NymNodeRoutingAddress.TryFromSphinxAddress(hop.Address, out var nextHop, out _))
        {
            Drop(hop.Packet, DropReason.BadNextHop);
            return;
        }

        if (hop.DelayNanoseconds > _maximumDelayNanoseconds)
        {
            Drop(hop.Packet, DropReason.DelayOverCap);
            return;
        }

        // In clock units; below the cap a double is exact to far better than the timer's resolution.
        long delay = (long)(hop.DelayNanoseconds * _timestampsPerNanosecond);
        long due = hop.Packet.ReceivedTimestamp + delay;
        if (due <= _time.GetTimestamp())
        {
            _links.TrySend(nextHop, hop.Packet);
        }
        else
        {
            _delays.TryAdd(nextHop, hop.Packet, due);
        }
    }

    private void Drop(NodePacket packet, DropReason reason)
    {
        _metrics.CountDropped(reason);
        packet.Return();
    }
}
