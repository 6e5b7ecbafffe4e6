using System.Diagnostics.Metrics;

namespace Nym.Crypto;

/// <summary>
/// The <c>Nym.Crypto</c> meter: packets prepared by kind (message, cover, reply, retransmission) and payloads opened
/// by kind (ack, fragment, reply, dropped). Aggregates only: no tag names a client or a packet.
/// </summary>
public sealed class CryptoMetrics
{
    public const string MeterName = "Nym.Crypto";

    private readonly Counter<long> _prepared;
    private readonly Counter<long> _opened;

    public CryptoMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _prepared = meter.CreateCounter<long>("nym.crypto.packets.prepared", "{packet}",
            "Sphinx packets prepared, by kind: message, cover, reply, retransmission.");
        _opened = meter.CreateCounter<long>("nym.crypto.payloads.opened", "{payload}",
            "Payloads opened, by kind: ack, fragment, reply, dropped.");
    }

    internal void Prepared(string kind, int count) => _prepared.Add(count, new KeyValuePair<string, object?>("kind", kind));

    internal void Opened(string kind) => _opened.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
