extern alias nymapi;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>The Nym.Topology meter: refusals by reason, acceptances, and active nodes per kind and layer.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Requests_are_counted_by_outcome_and_active_nodes_by_layer()
    {
        using var dataDirectory = new TempDirectory();
        await using var host = await ServiceHost.StartAsync(dataDirectory.Path);
        // Only this host's meter: other tests run their own hosts in parallel.
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Nym.Topology" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => counts.AddOrUpdate(Key(instrument, tags), value, (_, v) => v + value));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => counts[Key(instrument, tags)] = value);
        listener.Start();

        var node = new TestNode();
        var registration = node.Register(node.MixNode(2, host.Time.GetUtcNow()));
        await host.RegisterAsync(registration);
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => host.RegisterAsync(registration));
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => host.RegisterAsync(node.Register(node.MixNode(9, host.Time.GetUtcNow()))));
        listener.RecordObservableInstruments();

        Assert.Equal(1, counts.GetValueOrDefault("nym.topology.registrations.accepted request=register"));
        Assert.Equal(1, counts.GetValueOrDefault("nym.topology.registrations.refused request=register reason=replay"));
        Assert.Equal(1, counts.GetValueOrDefault("nym.topology.registrations.refused request=register reason=invalid_field"));
        Assert.Equal(1, counts.GetValueOrDefault("nym.topology.nodes.active kind=mix_node layer=2"));
        Assert.Equal(0, counts.GetValueOrDefault("nym.topology.nodes.active kind=mix_node layer=1", -1));
        Assert.Equal(0, counts.GetValueOrDefault("nym.topology.nodes.active kind=gateway", -1));
    }

    private static string Key(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string> { instrument.Name };
        foreach (var tag in tags)
        {
            parts.Add($"{tag.Key}={tag.Value}");
        }

        return string.Join(' ', parts);
    }
}
