using System.Diagnostics.Metrics;

namespace Nym.Topology;

/// <summary>
/// The <c>Nym.Topology</c> meter: requests accepted and refused (tagged by request and by a reason from a fixed set)
/// and the active nodes per kind and layer. Aggregates only: no tag carries a key or a host.
/// </summary>
internal sealed class TopologyMetrics
{
    public const string MeterName = "Nym.Topology";

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _refused;

    public TopologyMetrics(IMeterFactory meterFactory, TopologyState state)
    {
        var meter = meterFactory.Create(MeterName);
        _accepted = meter.CreateCounter<long>("nym.topology.registrations.accepted", "{request}",
            "Register and Deregister requests accepted (tag request: register or deregister).");
        _refused = meter.CreateCounter<long>("nym.topology.registrations.refused", "{request}",
            "Register and Deregister requests refused, by reason.");
        meter.CreateObservableGauge("nym.topology.nodes.active", () => ActiveNodes(state.Current), "{node}",
            "Nodes announced within the TTL, by kind and mix layer.");
    }

    public void Accepted(string request) => _accepted.Add(1, new KeyValuePair<string, object?>("request", request));

    public void Refused(string request, Refusal refusal) =>
        _refused.Add(1, new KeyValuePair<string, object?>("request", request), new KeyValuePair<string, object?>("reason", refusal.Tag));

    private static IEnumerable<Measurement<int>> ActiveNodes(TopologySnapshot snapshot)
    {
        for (uint layer = 1; layer <= 3; layer++)
        {
            yield return new Measurement<int>(
                snapshot.ActiveMixNodes.Count(n => n.Layer == layer),
                new KeyValuePair<string, object?>("kind", "mix_node"), new KeyValuePair<string, object?>("layer", (int)layer));
        }

        yield return new Measurement<int>(snapshot.ActiveGateways.Count, new KeyValuePair<string, object?>("kind", "gateway"));
    }
}
