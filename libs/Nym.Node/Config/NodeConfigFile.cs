using Tomlyn;
using Tomlyn.Model;

namespace Nym.Node.Config;

/// <summary>
/// Reads and writes <c>config/config.toml</c> in Nym's layout (a <c>[mixnode]</c> or <c>[gateway]</c> table with
/// Nym's key names, nym-mixnet.md §8), plus <c>[topology]</c> for the Topology service (D11) and <c>[debug]</c> for
/// forwarding. Keys missing from the file take their defaults; tables this library does not know are kept in
/// <see cref="NodeConfig.Extra"/>.
/// <code>
/// [mixnode]                       # or [gateway], which has clients_port instead of layer
/// version = "1.0.1"
/// id = "mix-1"
/// location = "unknown"
/// layer = 1
/// listening_address = "127.0.0.1" # bind
/// announce_address = "127.0.0.1"  # host
/// mix_port = 1789
/// http_api_port = 8000
/// [topology]
/// grpc_url = "http://127.0.0.1:8081"
/// [debug]
/// initial_connection_timeout_ms = 1500
/// maximum_connection_buffer_size = 128
/// packet_forwarding_initial_backoff_ms = 10000
/// packet_forwarding_maximum_backoff_ms = 300000
/// maximum_packet_delay_ms = 10000
/// </code>
/// </summary>
public static class NodeConfigFile
{
    /// <summary>No config of ours comes near this; a longer file is refused before parsing.</summary>
    public const int MaxFileLength = 1 << 20;

    private const string TopologyTable = "topology";
    private const string DebugTable = "debug";

    public static void Save(NodeConfig config, string path)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = new TomlTable
        {
            ["version"] = config.Version,
            ["id"] = config.Id,
            ["location"] = config.Location,
        };
        if (config.Kind == NodeKind.MixNode)
        {
            node["layer"] = (long)config.Layer;
        }

        node["listening_address"] = config.Bind;
        node["announce_address"] = config.Host;
        node["mix_port"] = (long)config.MixPort;
        if (config.Kind == NodeKind.Gateway)
        {
            node["clients_port"] = (long)config.ClientsPort;
        }

        node["http_api_port"] = (long)config.HttpPort;

        var f = config.Forwarding;
        var model = new TomlTable
        {
            [config.Kind.ConfigSection()] = node,
            [TopologyTable] = new TomlTable { ["grpc_url"] = config.TopologyUrl },
            [DebugTable] = new TomlTable
            {
                ["initial_connection_timeout_ms"] = (long)f.InitialConnectionTimeout.TotalMilliseconds,
                ["maximum_connection_buffer_size"] = (long)f.MaximumConnectionBufferSize,
                ["packet_forwarding_initial_backoff_ms"] = (long)f.InitialReconnectionBackoff.TotalMilliseconds,
                ["packet_forwarding_maximum_backoff_ms"] = (long)f.MaximumReconnectionBackoff.TotalMilliseconds,
                ["maximum_packet_delay_ms"] = (long)f.MaximumPacketDelay.TotalMilliseconds,
            },
        };
        foreach (var (name, value) in config.Extra)
        {
            model[name] = value;
        }

        var text = $"# {config.Kind.ConfigSection()} '{config.Id}' (NymAspire, Nym {config.Version} layout)\n\n" + TomlSerializer.Serialize(model);
        WriteAtomically(path, text);
    }

    /// <summary>Reads a config file of a node of <paramref name="kind"/>; on failure the error names the file.</summary>
    public static bool TryLoad(string path, NodeKind kind, out NodeConfig? config, out string error)
    {
        config = null;
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                error = $"{path}: the config file does not exist";
                return false;
            }

            if (info.Length > MaxFileLength)
            {
                error = $"{path}: the file is {info.Length} bytes, too large to be a config file";
                return false;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot be read ({e.Message})";
            return false;
        }

        TomlTable model;
        try
        {
            model = TomlSerializer.Deserialize<TomlTable>(text) ?? [];
        }
        catch (TomlException e)
        {
            error = $"{path}: not valid TOML ({FirstLine(e.Message)})";
            return false;
        }

        if (!TryRead(model, kind, out config, out var reason))
        {
            error = $"{path}: {reason}";
            return false;
        }

        error = "";
        return true;
    }

    private static bool TryRead(TomlTable model, NodeKind kind, out NodeConfig? config, out string error)
    {
        config = null;
        string section = kind.ConfigSection();
        if (!model.TryGetValue(section, out var nodeValue) || nodeValue is not TomlTable node)
        {
            error = $"there is no [{section}] table (is this the config of a {section}?)";
            return false;
        }

        var topology = model.TryGetValue(TopologyTable, out var t) && t is TomlTable tt ? tt : [];
        var debug = model.TryGetValue(DebugTable, out var d) && d is TomlTable dt ? dt : [];
        var defaults = new ForwardingSettings();
        var reader = new TableReader();
        var id = reader.String(node, section, "id", "");
        var result = new NodeConfig
        {
            Kind = kind,
            Id = id,
            Version = reader.String(node, section, "version", NodeConfig.SoftwareVersion),
            Location = reader.String(node, section, "location", NodeConfig.DefaultLocation),
            Layer = (int)reader.Integer(node, section, "layer", 0),
            Bind = reader.String(node, section, "listening_address", NodeConfig.DefaultAddress),
            Host = reader.String(node, section, "announce_address", NodeConfig.DefaultAddress),
            MixPort = (int)reader.Integer(node, section, "mix_port", NodeConfig.DefaultMixPort),
            ClientsPort = (int)reader.Integer(node, section, "clients_port", NodeConfig.DefaultClientsPort),
            HttpPort = (int)reader.Integer(node, section, "http_api_port", NodeConfig.DefaultHttpPort),
            TopologyUrl = reader.String(topology, TopologyTable, "grpc_url", NodeConfig.DefaultTopologyUrl),
            Forwarding = new ForwardingSettings
            {
                InitialConnectionTimeout = reader.Milliseconds(debug, "initial_connection_timeout_ms", defaults.InitialConnectionTimeout),
                MaximumConnectionBufferSize = (int)reader.Integer(debug, DebugTable, "maximum_connection_buffer_size", defaults.MaximumConnectionBufferSize),
                InitialReconnectionBackoff = reader.Milliseconds(debug, "packet_forwarding_initial_backoff_ms", defaults.InitialReconnectionBackoff),
                MaximumReconnectionBackoff = reader.Milliseconds(debug, "packet_forwarding_maximum_backoff_ms", defaults.MaximumReconnectionBackoff),
                MaximumPacketDelay = reader.Milliseconds(debug, "maximum_packet_delay_ms", defaults.MaximumPacketDelay),
            },
            Extra = Unknown(model, section),
        };

        if (reader.Error is { } readError)
        {
            error = readError;
            return false;
        }

        config = result;
        error = "";
        return true;
    }

    private static TomlTable Unknown(TomlTable model, string section)
    {
        var extra = new TomlTable();
        foreach (var (name, value) in model)
        {
            if (name != section && name != TopologyTable && name != DebugTable && value is TomlTable)
            {
                extra[name] = value;
            }
        }

        return extra;
    }

    private static void WriteAtomically(string path, string text)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>Reads typed values, keeping the first type error (a wrong type is an error, a missing key a default).</summary>
    private sealed class TableReader
    {
        public string? Error { get; private set; }

        public string String(TomlTable table, string tableName, string key, string fallback)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return fallback;
            }

            if (value is string text)
            {
                return text;
            }

            Error ??= $"[{tableName}] {key} must be a string";
            return fallback;
        }

        public long Integer(TomlTable table, string tableName, string key, long fallback)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return fallback;
            }

            if (value is long number and >= int.MinValue and <= int.MaxValue)
            {
                return number;
            }

            Error ??= $"[{tableName}] {key} must be an integer";
            return fallback;
        }

        public TimeSpan Milliseconds(TomlTable table, string key, TimeSpan fallback) =>
            TimeSpan.FromMilliseconds(Integer(table, DebugTable, key, (long)fallback.TotalMilliseconds));
    }
}
