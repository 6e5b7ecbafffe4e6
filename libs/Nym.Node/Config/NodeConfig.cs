using System.Net;

namespace Nym.Node.Config;

/// <summary>
/// How a node forwards packets to the next hop (nym-mixnet.md §6), the <c>[debug]</c> table of config.toml. The
/// defaults are Nym 1.0.1's; <see cref="MaximumPacketDelay"/> is ours (Nym holds any delay).
/// </summary>
public sealed record ForwardingSettings
{
    public TimeSpan InitialConnectionTimeout { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Frames queued per next hop before new ones are dropped.</summary>
    public int MaximumConnectionBufferSize { get; init; } = 128;

    /// <summary>Reconnection waits min(this·2^attempt, <see cref="MaximumReconnectionBackoff"/>).</summary>
    public TimeSpan InitialReconnectionBackoff { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaximumReconnectionBackoff { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>A packet asking to be held longer is dropped: Nym's mean is 50 ms per hop, so 10 s is never honest.</summary>
    public TimeSpan MaximumPacketDelay { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A node's settings, shared by mix nodes and gateways, as stored in <c>config/config.toml</c>. Defaults are Nym
/// 1.0.1's where Nym has one (mix port 1789, HTTP API 8000, gateway clients 9000, §6). Immutable: precedence
/// (command line &gt; environment &gt; file &gt; defaults) is applied with <see cref="With"/>.
/// </summary>
public sealed record NodeConfig
{
    public const string SoftwareVersion = "1.0.1";
    public const int DefaultMixPort = 1789;
    public const int DefaultHttpPort = 8000;
    public const int DefaultClientsPort = 9000;
    public const string DefaultAddress = "127.0.0.1";
    public const string DefaultLocation = "unknown";

    /// <summary>The Topology service's default gRPC endpoint (its HTTP JSON is on 8080).</summary>
    public const string DefaultTopologyUrl = "http://127.0.0.1:8081";

    public required NodeKind Kind { get; init; }

    public required string Id { get; init; }

    /// <summary>IP literal or host name that other nodes and clients reach this node at (Nym's <c>announce_address</c>).</summary>
    public string Host { get; init; } = DefaultAddress;

    /// <summary>The IP address the listeners bind to (Nym's <c>listening_address</c>).</summary>
    public string Bind { get; init; } = DefaultAddress;

    public int MixPort { get; init; } = DefaultMixPort;

    /// <summary>The HTTP endpoint: /health and /alive.</summary>
    public int HttpPort { get; init; } = DefaultHttpPort;

    public string TopologyUrl { get; init; } = DefaultTopologyUrl;

    public string Version { get; init; } = SoftwareVersion;

    public string Location { get; init; } = DefaultLocation;

    /// <summary>Mix nodes only: 1, 2 or 3.</summary>
    public int Layer { get; init; }

    /// <summary>Gateways only: the clients' websocket port.</summary>
    public int ClientsPort { get; init; } = DefaultClientsPort;

    public ForwardingSettings Forwarding { get; init; } = new();

    /// <summary>
    /// The extension point for a kind's own settings: top-level tables of config.toml that this library does not
    /// know (e.g. a gateway's <c>[storage]</c>), kept as read and written back as they are.
    /// </summary>
    public Tomlyn.Model.TomlTable Extra { get; init; } = [];

    public IPAddress BindAddress => IPAddress.Parse(Bind);

    /// <summary>Applies the values <paramref name="overrides"/> sets; the others stay.</summary>
    public NodeConfig With(NodeOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        return this with
        {
            Host = overrides.Host ?? Host,
            Bind = overrides.Bind ?? Bind,
            MixPort = overrides.MixPort ?? MixPort,
            HttpPort = overrides.HttpPort ?? HttpPort,
            TopologyUrl = overrides.TopologyUrl ?? TopologyUrl,
            Layer = overrides.Layer ?? Layer,
            ClientsPort = overrides.ClientsPort ?? ClientsPort,
        };
    }

    /// <summary>Null when the settings can run, otherwise what is wrong, in words a person can act on.</summary>
    public string? Validate()
    {
        if (!NymHome.IsValidId(Id))
        {
            return NymHome.InvalidIdMessage(Id);
        }

        if (string.IsNullOrWhiteSpace(Host) || Uri.CheckHostName(Host) == UriHostNameType.Unknown)
        {
            return $"host '{Host}' is neither an IP address nor a host name";
        }

        if (!IPAddress.TryParse(Bind, out _))
        {
            return $"bind address '{Bind}' is not an IP address";
        }

        var ports = new List<(string Name, int Port)> { ("mix port", MixPort), ("http port", HttpPort) };
        if (Kind == NodeKind.Gateway)
        {
            ports.Add(("clients port", ClientsPort));
        }

        foreach (var (name, port) in ports)
        {
            if (port is < 1 or > 65535)
            {
                return $"{name} {port} is not a TCP port (1-65535)";
            }
        }

        if (ports.Select(p => p.Port).Distinct().Count() != ports.Count)
        {
            return $"the ports must differ ({string.Join(", ", ports.Select(p => $"{p.Name} {p.Port}"))})";
        }

        if (!Uri.TryCreate(TopologyUrl, UriKind.Absolute, out var topology) || topology.Scheme is not ("http" or "https"))
        {
            return $"topology URL '{TopologyUrl}' is not an http:// or https:// URL";
        }

        if (Kind == NodeKind.MixNode && Layer is < 1 or > 3)
        {
            return Layer == 0 ? "a mix node needs a layer: 1, 2 or 3" : $"layer {Layer} is not 1, 2 or 3";
        }

        var f = Forwarding;
        if (f.InitialConnectionTimeout <= TimeSpan.Zero || f.MaximumConnectionBufferSize < 1 || f.InitialReconnectionBackoff <= TimeSpan.Zero
            || f.MaximumReconnectionBackoff < f.InitialReconnectionBackoff || f.MaximumPacketDelay < TimeSpan.Zero)
        {
            return "the [debug] forwarding settings must be positive, with the maximum backoff at least the initial one";
        }

        return null;
    }
}

/// <summary>The settings that the command line or the environment may override; null leaves a setting as it is.</summary>
public sealed record NodeOverrides(
    string? Host = null, string? Bind = null, int? MixPort = null, int? HttpPort = null, string? TopologyUrl = null,
    int? Layer = null, int? ClientsPort = null)
{
    public static readonly NodeOverrides None = new();

    /// <summary>
    /// Reads <c>NYM_HOST</c>, <c>NYM_BIND</c>, <c>NYM_MIX_PORT</c>, <c>NYM_HTTP_PORT</c>, <c>NYM_TOPOLOGY</c>,
    /// <c>NYM_LAYER</c> and <c>NYM_CLIENTS_PORT</c>; empty counts as unset. A number that does not parse is an
    /// error naming the variable.
    /// </summary>
    public static bool TryFromEnvironment(Func<string, string?> environment, out NodeOverrides overrides, out string error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        overrides = None;
        error = "";
        string? Text(string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

        int? mixPort = null, httpPort = null, layer = null, clientsPort = null;
        foreach (var (name, set) in new (string, Action<int>)[]
        {
            ("NYM_MIX_PORT", v => mixPort = v), ("NYM_HTTP_PORT", v => httpPort = v),
            ("NYM_LAYER", v => layer = v), ("NYM_CLIENTS_PORT", v => clientsPort = v),
        })
        {
            if (Text(name) is not { } text)
            {
                continue;
            }

            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value))
            {
                error = $"environment variable {name}='{text}' is not a number";
                return false;
            }

            set(value);
        }

        overrides = new NodeOverrides(Text("NYM_HOST"), Text("NYM_BIND"), mixPort, httpPort, Text("NYM_TOPOLOGY"), layer, clientsPort);
        return true;
    }
}
