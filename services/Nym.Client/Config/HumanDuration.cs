using System.Globalization;
using System.Text;

namespace Nym.Client.Config;

/// <summary>
/// Durations as Nym's config.toml writes them (humantime, nym-client-api.md §7): <c>50ms</c>, <c>1s 500ms</c>,
/// <c>5m</c>, <c>33m 20s</c>. Parsing accepts a sequence of number-unit pairs, with or without spaces between them.
/// </summary>
internal static class HumanDuration
{
    /// <summary>Longer durations are refused when parsing: no setting needs a year, and timers cannot wait that long.</summary>
    private static readonly long MaxTicks = TimeSpan.FromDays(365).Ticks;

    private static readonly (string Unit, long Ticks)[] Units =
    [
        ("d", TimeSpan.TicksPerDay), ("h", TimeSpan.TicksPerHour), ("m", TimeSpan.TicksPerMinute), ("s", TimeSpan.TicksPerSecond),
        ("ms", TimeSpan.TicksPerMillisecond), ("us", TimeSpan.TicksPerMicrosecond), ("ns", 0),
    ];

    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        long ticks = duration.Ticks;
        foreach (var (unit, unitTicks) in Units)
        {
            long count = unitTicks == 0 ? ticks * 100 : ticks / unitTicks;
            if (count > 0)
            {
                text.Append(text.Length > 0 ? " " : "").Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
                ticks -= unitTicks == 0 ? ticks : count * unitTicks;
            }
        }

        return text.ToString();
    }

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        long ticks = 0;
        int i = 0;
        bool any = false;
        while (true)
        {
            while (i < text.Length && text[i] == ' ')
            {
                i++;
            }

            if (i == text.Length)
            {
                break;
            }

            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i - start > 12 || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out long count))
            {
                return false;
            }

            int unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            long? unitTicks = UnitTicks(text[unitStart..i]);
            if (unitTicks is null)
            {
                return false;
            }

            // Checked: 12 digits of days overflow a long, and a wrapped (negative) sum must not pass the bound below.
            try
            {
                ticks = checked(ticks + (unitTicks == 0 ? count / 100 : count * unitTicks.Value));
            }
            catch (OverflowException)
            {
                return false;
            }

            if (ticks > MaxTicks)
            {
                return false;
            }

            any = true;
        }

        duration = TimeSpan.FromTicks(ticks);
        return any;
    }

    // humantime's unit names.
    private static long? UnitTicks(string unit) => unit switch
    {
        "nsec" or "ns" => 0,
        "usec" or "us" => TimeSpan.TicksPerMicrosecond,
        "msec" or "ms" => TimeSpan.TicksPerMillisecond,
        "seconds" or "second" or "sec" or "s" => TimeSpan.TicksPerSecond,
        "minutes" or "minute" or "min" or "m" => TimeSpan.TicksPerMinute,
        "hours" or "hour" or "hr" or "h" => TimeSpan.TicksPerHour,
        "days" or "day" or "d" => TimeSpan.TicksPerDay,
        _ => null,
    };
}
