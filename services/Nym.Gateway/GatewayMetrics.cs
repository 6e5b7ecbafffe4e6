using System.Diagnostics.Metrics;

namespace Nym.Gateway;

/// <summary>
/// The gateway's instruments (Meter "Nym.Gateway"). Aggregates only: no client address, key or packet identifier
/// ever becomes a tag (DESIGN.md principle 2); drop reasons are a small fixed set. The meter is the factory's, shared
/// with the node library's instruments, so it is not disposed here.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Nym.Gateway";
    private readonly Meter _meter;
    private readonly Counter<long> _forwarded;
    private readonly Counter<long> _pushed;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _deliveredFromInbox;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _acksForwarded;
    private readonly Counter<long> _connections;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _forwarded = _meter.CreateCounter<long>("nym.gateway.packets.forwarded", description: "Sphinx packets from clients sent on to their first mix");
        _acksForwarded = _meter.CreateCounter<long>("nym.gateway.acks.forwarded", description: "SURB-ACKs split off final-hop packets and sent on");
        _pushed = _meter.CreateCounter<long>("nym.gateway.messages.pushed", description: "payloads pushed to connected clients");
        _stored = _meter.CreateCounter<long>("nym.gateway.messages.stored", description: "payloads stored for offline clients");
        _deliveredFromInbox = _meter.CreateCounter<long>("nym.gateway.messages.delivered_from_inbox", description: "stored payloads written to a client that came back");
        _dropped = _meter.CreateCounter<long>("nym.gateway.packets.dropped", description: "packets or frames dropped, by reason");
        _connections = _meter.CreateCounter<long>("nym.gateway.client_connections", description: "client websocket connections, by outcome");
    }

    public void ObserveConnectedClients(Func<int> count) =>
        _meter.CreateObservableGauge("nym.gateway.clients.connected", count, description: "clients connected now");

    public void Forwarded() => _forwarded.Add(1);

    public void AckForwarded() => _acksForwarded.Add(1);

    public void Pushed() => _pushed.Add(1);

    public void Stored() => _stored.Add(1);

    public void DeliveredFromInbox() => _deliveredFromInbox.Add(1);

    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Connection(string outcome) => _connections.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

}
