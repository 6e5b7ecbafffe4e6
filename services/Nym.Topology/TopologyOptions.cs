using System.Globalization;
using System.Net;

namespace Nym.Topology;

/// <summary>
/// What nym-api runs with, validated once at start. Each value comes from its command-line option, else from its
/// environment variable, else from the default; a bad value is a one-line error that names both places.
/// </summary>
internal sealed record TopologyOptions(IPAddress Bind, int HttpPort, int GrpcPort, string DataDirectory, TimeSpan AnnounceTtl)
{
    /// <summary>The most identities the directory keeps (<see cref="TopologyState.MaxNodes"/>; smaller in tests).</summary>
    public int MaxNodes { get; init; } = TopologyState.MaxNodes;

    public const int DefaultHttpPort = 8080;
    public const int DefaultGrpcPort = 8081;
    public static readonly TimeSpan DefaultAnnounceTtl = TimeSpan.FromSeconds(90);

    // A node re-announces well within the TTL; a day bounds how long a silent node can stay listed as active.
    private static readonly TimeSpan MinimumAnnounceTtl = TimeSpan.FromSeconds(1), MaximumAnnounceTtl = TimeSpan.FromDays(1);

    /// <summary><c>$NYM_HOME/nym-api</c>, or <c>~/.nym/nym-api</c>: the same home as Nym's other binaries.</summary>
    public static string DefaultDataDirectory(Func<string, string?> environment) =>
        Path.Combine(Nym.Protocol.Keys.NymHomeDirectory.Resolve(environment), "nym-api");

    /// <summary>Command-line values (null when not given) win over the environment, which wins over the defaults.</summary>
    public static bool TryResolve(
        string? httpPort, string? grpcPort, string? bind, string? dataDirectory, string? announceTtl,
        Func<string, string?> environment, out TopologyOptions? options, out string error)
    {
        options = null;
        if (!ServiceListenOptions.TryResolve(httpPort, grpcPort, bind, DefaultHttpPort, DefaultGrpcPort, environment, out var listen, out error))
        {
            return false;
        }

        string? Pick(string? commandLine, string variable) => ServiceListenOptions.Pick(commandLine, variable, environment);

        var ttlText = Pick(announceTtl, "NYM_ANNOUNCE_TTL");
        var ttl = DefaultAnnounceTtl;
        if (ttlText is not null && !TryDuration(ttlText, out ttl))
        {
            error = $"--announce-ttl (or NYM_ANNOUNCE_TTL) must be a duration such as 90s, 2m or 1h, got '{ttlText}'";
            return false;
        }

        if (ttl < MinimumAnnounceTtl || ttl > MaximumAnnounceTtl)
        {
            error = $"--announce-ttl (or NYM_ANNOUNCE_TTL) must be between 1s and 24h, got '{ttlText}'";
            return false;
        }

        var directory = Pick(dataDirectory, "NYM_DATA_DIR") ?? DefaultDataDirectory(environment);
        options = new TopologyOptions(listen.Bind, listen.HttpPort, listen.GrpcPort, Path.GetFullPath(directory), ttl);
        error = "";
        return true;
    }

    /// <summary>A whole number with a unit (ms, s, m, h); a bare number counts as seconds.</summary>
    internal static bool TryDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        (string digits, double unitSeconds) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1),
            _ when text.EndsWith('m') => (text[..^1], 60),
            _ when text.EndsWith('h') => (text[..^1], 3600),
            _ => (text, 1),
        };

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count > 1_000_000_000)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(count * unitSeconds);
        return true;
    }
}
