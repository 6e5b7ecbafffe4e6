using System.Diagnostics.Metrics;

namespace Nym.Node;

/// <summary>Why a node dropped a packet or a frame: the <c>reason</c> tag of the dropped counter.</summary>
public enum DropReason
{
    /// <summary>A frame with an unknown size id or mode; the connection is closed (nym-mixnet.md §6).</summary>
    BadFrame,
    /// <summary>A frame in the deprecated Vpn mode, which nodes refuse (§2.1); the connection is closed.</summary>
    VpnMode,
    /// <summary>Sphinx refused the packet: bad MAC, unknown routing flag, bad payload (§1.6).</summary>
    SphinxError,
    /// <summary>A packet whose Sphinx shared secret was seen before (D2).</summary>
    Replay,
    /// <summary>The routing layer names a next hop that is not a node address.</summary>
    BadNextHop,
    /// <summary>The packet asks to be held longer than the node's cap.</summary>
    DelayOverCap,
    /// <summary>The delay queue is at its byte bound.</summary>
    DelayQueueFull,
    /// <summary>A mix node is never the last hop of a packet (§6).</summary>
    FinalHopAtMixNode,
    /// <summary>A gateway is always the last hop (§6, <c>ForwardHopReceivedError</c>).</summary>
    ForwardHopAtGateway,
    /// <summary>The next hop's queue (128 frames) is full (§6), or all links together hold their byte bound.</summary>
    QueueFull,
    /// <summary>The node already keeps as many outgoing links as it may.</summary>
    TooManyLinks,
    /// <summary>The connection to the next hop failed while the frames were being written.</summary>
    LinkFailed,
    /// <summary>Still queued, and not yet due, when the node stopped.</summary>
    Shutdown,
    /// <summary>Processing the packet failed with an unexpected exception (a bug, never peer input); the worker goes on.</summary>
    InternalError,
}

/// <summary>
/// A node's counters and gauges, as one <see cref="Meter"/> (<c>Nym.MixNode</c> or <c>Nym.Gateway</c>). Counting is
/// a lock-free increment on the hot path; the instruments read the totals when a listener collects. Only aggregates:
/// no tag carries an address, a key or anything of one packet (DESIGN.md principle 2).
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    private static readonly string[] ReasonTags = Enum.GetValues<DropReason>().Select(TagOf).ToArray();

    private readonly Meter _meter;
    private readonly long[] _dropped = new long[ReasonTags.Length];
    private long _received;
    private long _forwarded;
    private long _connectionsRefused;
    private (string Name, Func<long> Read)[] _queues = [];

    /// <summary>Set when this object made the meter; a factory's meter is shared (e.g. with the gateway's own) and the factory's to dispose.</summary>
    private readonly bool _ownsMeter;

    /// <param name="meterFactory">the host's factory; null creates a free-standing meter (tests, benchmarks).</param>
    public NodeMetrics(string meterName, IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(meterName) ?? new Meter(meterName);
        _meter.CreateObservableCounter("nym.node.packets.received", () => Volatile.Read(ref _received), "{packet}",
            "Frames received on the mix port.");
        _meter.CreateObservableCounter("nym.node.packets.forwarded", () => Volatile.Read(ref _forwarded), "{packet}",
            "Packets written to the next hop.");
        _meter.CreateObservableCounter("nym.node.packets.dropped", ObserveDropped, "{packet}",
            "Packets or frames dropped, by reason.");
        _meter.CreateObservableCounter("nym.node.connections.refused", () => Volatile.Read(ref _connectionsRefused), "{connection}",
            "Mix connections closed for sending an invalid frame.");
        _meter.CreateObservableGauge("nym.node.queue.length", ObserveQueues, "{packet}",
            "Packets waiting, by queue.");
    }

    public string MeterName => _meter.Name;

    public long Received => Volatile.Read(ref _received);

    public long Forwarded => Volatile.Read(ref _forwarded);

    public long ConnectionsRefused => Volatile.Read(ref _connectionsRefused);

    public long Dropped(DropReason reason) => Volatile.Read(ref _dropped[(int)reason]);

    public long DroppedTotal => _dropped.Sum();

    public void CountReceived() => Interlocked.Increment(ref _received);

    public void CountForwarded(int packets) => Interlocked.Add(ref _forwarded, packets);

    public void CountDropped(DropReason reason, int packets = 1) => Interlocked.Add(ref _dropped[(int)reason], packets);

    public void CountConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);

    /// <summary>Adds a queue to the length gauge, tagged <c>queue=<paramref name="name"/></c>.</summary>
    public void ObserveQueue(string name, Func<long> length)
    {
        lock (_meter)
        {
            _queues = [.. _queues, (name, length)];
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> ObserveDropped()
    {
        for (int i = 0; i < ReasonTags.Length; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref _dropped[i]), new KeyValuePair<string, object?>("reason", ReasonTags[i]));
        }
    }

    private IEnumerable<Measurement<long>> ObserveQueues()
    {
        foreach (var (name, read) in Volatile.Read(ref _queues))
        {
            yield return new Measurement<long>(read(), new KeyValuePair<string, object?>("queue", name));
        }
    }

    /// <summary>snake_case of the reason, e.g. <c>delay_over_cap</c>.</summary>
    public static string TagOf(DropReason reason) =>
        string.Concat(reason.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
