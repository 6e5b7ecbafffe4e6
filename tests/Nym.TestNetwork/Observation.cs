using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using Nym.Gateway;

namespace Nym.TestNetwork;

/// <summary>
/// Counts what one gateway's counters (Meter "Nym.Gateway") record from now on, per instrument and tag value. Only
/// that gateway's: meters of the same name from other hosts in this process have another factory as their scope.
/// </summary>
internal sealed class GatewayCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string? Tag), long> _counts = new();

    public GatewayCounters(IServiceProvider gateway)
    {
        var factory = gateway.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tag = tags.Length > 0 ? tags[0].Value?.ToString() : null;
            _counts.AddOrUpdate((instrument.Name, tag), value, (_, total) => total + value);
        });
        _listener.Start();
    }

    /// <summary>nym.gateway.client_connections with this outcome.</summary>
    public long Connections(string outcome) => _counts.GetValueOrDefault(("nym.gateway.client_connections", outcome));

    public void Dispose() => _listener.Dispose();
}

/// <summary>Keeps every log line a host writes, to check what the logs never contain.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
