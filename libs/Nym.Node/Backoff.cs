namespace Nym.Node;

/// <summary>Exponential backoff, as Nym's reconnections use it (nym-mixnet.md §6).</summary>
public static class Backoff
{
    /// <summary>min(initial · 2^(failures − 1), maximum) for failures ≥ 1, computed without overflow.</summary>
    public static TimeSpan After(int failures, TimeSpan initial, TimeSpan maximum)
    {
        double factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        return TimeSpan.FromTicks((long)Math.Min(initial.Ticks * factor, maximum.Ticks));
    }
}
