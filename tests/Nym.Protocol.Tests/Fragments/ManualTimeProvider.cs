namespace Nym.Protocol.Tests.Fragments;

/// <summary>A clock that moves only when told (Microsoft.Extensions.TimeProvider.Testing is not referenced here).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}
