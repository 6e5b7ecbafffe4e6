using System.Globalization;
using System.Text;
using Tomlyn;
using Tomlyn.Model;

namespace Nym.Client.Config;

/// <summary>
/// config.toml in Nym 1.0.1's template (nym-client-api.md §7, R2 rendered) with explanatory comments, written
/// atomically with mode 0600 (as R2 does). Reading refuses unknown keys and tables as Nym's <c>deny_unknown_fields</c>
/// does, except our additions <c>[socket] host</c> (D8) and <c>[services]</c>; every [debug] key is optional.
/// </summary>
internal static class ClientConfigFile
{
    /// <summary>No config comes near this; a longer file is refused before parsing.</summary>
    public const int MaxFileLength = 1 << 20;

    private static readonly TimeSpan MaxDebugDuration = TimeSpan.FromDays(1);

    private static readonly Dictionary<string, string[]> Keys = new()
    {
        ["client"] =
        [
            "version", "id", "disabled_credentials_mode", "validator_api_urls", "private_identity_key_file", "public_identity_key_file",
            "private_encryption_key_file", "public_encryption_key_file", "reply_encryption_key_store_path", "database_path",
            "eth_private_key", "eth_endpoint", "gateway_shared_key_file", "ack_key_file", "nym_root_directory", "gateway_endpoint",
        ],
        ["client.gateway_endpoint"] = ["gateway_id", "gateway_owner", "gateway_listener"],
        ["socket"] = ["socket_type", "host", "listening_port"],
        ["logging"] = [],
        ["debug"] =
        [
            "average_packet_delay", "average_ack_delay", "loop_cover_traffic_average_delay", "message_sending_average_delay",
            "ack_wait_multiplier", "ack_wait_addition", "gateway_response_timeout", "topology_refresh_rate", "topology_resolution_timeout",
        ],
        ["services"] = ["keystore_url", "crypto_url"],
    };

    public static string Render(ClientConfig c)
    {
        var urls = new StringBuilder();
        foreach (var url in c.ValidatorApiUrls)
        {
            urls.Append("    ").Append(Str(url.ToString())).Append(",\n");
        }

        var d = c.Debug;
        return $"""
            # This is a TOML config file.
            # For more information, see https://github.com/toml-lang/toml

            ##### main base client config options #####

            [client]
            # Version of the client for which this configuration was created.
            version = {Str(c.Version)}

            # Human readable ID of this particular client.
            id = {Str(c.Id)}

            # Bandwidth credentials are not used by this network (DESIGN.md D10).
            disabled_credentials_mode = {Bool(c.DisabledCredentialsMode)}

            # Addresses of the validator APIs (here: nym-api's HTTP endpoints) the topology is read from,
            # the first that answers, rotating on failure.
            validator_api_urls = [
            {urls}]

            # Path to file containing private identity key.
            private_identity_key_file = {Str(c.PrivateIdentityKeyFile)}

            # Path to file containing public identity key.
            public_identity_key_file = {Str(c.PublicIdentityKeyFile)}

            # Path to file containing private encryption key.
            private_encryption_key_file = {Str(c.PrivateEncryptionKeyFile)}

            # Path to file containing public encryption key.
            public_encryption_key_file = {Str(c.PublicEncryptionKeyFile)}

            # Where the keys of the reply SURBs this client handed out are kept.
            reply_encryption_key_store_path = {Str(c.ReplyEncryptionKeyStorePath)}

            # Path to the database of credentials (unused: credentials are disabled).
            database_path = {Str(c.DatabasePath)}

            # Placeholders Nym 1.0.1 writes without its ethereum feature; unused.
            eth_private_key = {Str(c.EthPrivateKey)}
            eth_endpoint = {Str(c.EthEndpoint)}

            # Path to file containing the keys shared with the gateway.
            gateway_shared_key_file = {Str(c.GatewaySharedKeyFile)}

            # Path to file containing the key of the acknowledgements.
            ack_key_file = {Str(c.AckKeyFile)}

            # The directory holding every client's directory (<home>/clients).
            nym_root_directory = {Str(c.NymRootDirectory)}

            [client.gateway_endpoint]
            # Identity key (base58) of the gateway this client registered with.
            gateway_id = {Str(c.GatewayId)}

            # Owner of the gateway (a blockchain address in Nym's network; empty here).
            gateway_owner = {Str(c.GatewayOwner)}

            # Address of the gateway's websocket for clients.
            gateway_listener = {Str(c.GatewayListener)}

            ##### socket config options #####

            [socket]
            # 'WebSocket' to serve the websocket API for apps, 'None' for no listener.
            socket_type = {Str(c.SocketEnabled ? "WebSocket" : "None")}

            # Address the websocket API listens on (NymAspire's addition, DESIGN.md D8).
            host = {Str(c.Host)}

            # Port of the websocket API.
            listening_port = {c.ListeningPort.ToString(CultureInfo.InvariantCulture)}

            ##### logging configuration options #####

            [logging]

            ##### debug configuration options #####
            # The following options should not be modified unless you know what you are doing.

            [debug]
            # Mean delay of a data packet at each mix node.
            average_packet_delay = {Dur(d.AveragePacketDelay)}

            # Mean delay of an acknowledgement at each mix node.
            average_ack_delay = {Dur(d.AverageAckDelay)}

            # Mean gap between two loop cover packets of the cover stream.
            loop_cover_traffic_average_delay = {Dur(d.LoopCoverTrafficAverageDelay)}

            # Mean gap between two packets of the main stream (a cover packet when no real one is waiting).
            message_sending_average_delay = {Dur(d.MessageSendingAverageDelay)}

            # Retransmission: a packet not acknowledged within its delays times this, plus the addition, is sent again.
            ack_wait_multiplier = {d.AckWaitMultiplier.ToString("0.0##", CultureInfo.InvariantCulture)}
            ack_wait_addition = {Dur(d.AckWaitAddition)}

            # How long to wait for the gateway to answer.
            gateway_response_timeout = {Dur(d.GatewayResponseTimeout)}

            # How often the topology is read again, and how long one read may take.
            topology_refresh_rate = {Dur(d.TopologyRefreshRate)}
            topology_resolution_timeout = {Dur(d.TopologyResolutionTimeout)}

            ##### services (NymAspire) #####

            [services]
            # gRPC URLs of the KeyStore and crypto services this client uses. Empty: the client
            # hosts both in its own process (standalone mode).
            keystore_url = {Str(c.KeyStoreUrl)}
            crypto_url = {Str(c.CryptoUrl)}

            """;
    }

    /// <summary>Writes through a temporary file and a rename, mode 0600, so a crash never leaves half a config.</summary>
    public static void Save(ClientConfig config, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(Render(config)));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads a config; false with an error naming the file and what is wrong.</summary>
    public static bool TryLoad(string path, out ClientConfig? config, out string error)
    {
        config = null;
        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileLength)
            {
                error = $"{path}: the file is {info.Length} bytes, too large to be a config";
                return false;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot be read ({e.Message})";
            return false;
        }

        if (!TryParse(text, out config, out var reason))
        {
            error = $"{path}: {reason}";
            return false;
        }

        error = "";
        return true;
    }

    public static bool TryParse(string text, out ClientConfig? config, out string error)
    {
        config = null;
        TomlTable model;
        try
        {
            model = TomlSerializer.Deserialize<TomlTable>(text) ?? [];
        }
        catch (TomlException e)
        {
            error = $"not valid TOML ({e.Message.Split('\n')[0].Trim()})";
            return false;
        }

        if (Unknown(model) is { } unknown)
        {
            error = unknown;
            return false;
        }

        var r = new Reader();
        var client = r.Table(model, "client", required: true);
        var endpoint = r.Table(client, "client.gateway_endpoint", "gateway_endpoint", required: true);
        var socket = r.Table(model, "socket", required: true);
        var debug = r.Table(model, "debug", required: false);
        var services = r.Table(model, "services", required: false);
        var defaults = DebugSettings.Default;

        var socketType = r.String(socket, "socket", "socket_type", "WebSocket");
        if (r.Error is null && socketType is not ("WebSocket" or "None"))
        {
            r.Fail($"[socket] socket_type must be 'WebSocket' or 'None', not '{socketType}'");
        }

        var parsed = new ClientConfig
        {
            Version = r.String(client, "client", "version", null),
            Id = r.String(client, "client", "id", null),
            DisabledCredentialsMode = r.Bool(client, "client", "disabled_credentials_mode", true),
            ValidatorApiUrls = r.Urls(client, "client", "validator_api_urls"),
            PrivateIdentityKeyFile = r.String(client, "client", "private_identity_key_file", null),
            PublicIdentityKeyFile = r.String(client, "client", "public_identity_key_file", null),
            PrivateEncryptionKeyFile = r.String(client, "client", "private_encryption_key_file", null),
            PublicEncryptionKeyFile = r.String(client, "client", "public_encryption_key_file", null),
            ReplyEncryptionKeyStorePath = r.String(client, "client", "reply_encryption_key_store_path", null),
            DatabasePath = r.String(client, "client", "database_path", ""),
            EthPrivateKey = r.String(client, "client", "eth_private_key", ClientConfig.DummyEthPrivateKey),
            EthEndpoint = r.String(client, "client", "eth_endpoint", ClientConfig.DummyEthEndpoint),
            GatewaySharedKeyFile = r.String(client, "client", "gateway_shared_key_file", null),
            AckKeyFile = r.String(client, "client", "ack_key_file", null),
            NymRootDirectory = r.String(client, "client", "nym_root_directory", null),
            GatewayId = r.String(endpoint, "client.gateway_endpoint", "gateway_id", null),
            GatewayOwner = r.String(endpoint, "client.gateway_endpoint", "gateway_owner", ""),
            GatewayListener = r.String(endpoint, "client.gateway_endpoint", "gateway_listener", null),
            SocketEnabled = socketType == "WebSocket",
            Host = r.String(socket, "socket", "host", ClientConfig.DefaultHost),
            ListeningPort = r.Port(socket, "socket", "listening_port"),
            KeyStoreUrl = r.String(services, "services", "keystore_url", ""),
            CryptoUrl = r.String(services, "services", "crypto_url", ""),
            Debug = new DebugSettings
            {
                AveragePacketDelay = r.Duration(debug, "average_packet_delay", defaults.AveragePacketDelay, positive: false),
                AverageAckDelay = r.Duration(debug, "average_ack_delay", defaults.AverageAckDelay, positive: false),
                LoopCoverTrafficAverageDelay = r.Duration(debug, "loop_cover_traffic_average_delay", defaults.LoopCoverTrafficAverageDelay, positive: true),
                MessageSendingAverageDelay = r.Duration(debug, "message_sending_average_delay", defaults.MessageSendingAverageDelay, positive: true),
                AckWaitMultiplier = r.Number(debug, "ack_wait_multiplier", defaults.AckWaitMultiplier),
                AckWaitAddition = r.Duration(debug, "ack_wait_addition", defaults.AckWaitAddition, positive: false),
                GatewayResponseTimeout = r.Duration(debug, "gateway_response_timeout", defaults.GatewayResponseTimeout, positive: true),
                TopologyRefreshRate = r.Duration(debug, "topology_refresh_rate", defaults.TopologyRefreshRate, positive: true),
                TopologyResolutionTimeout = r.Duration(debug, "topology_resolution_timeout", defaults.TopologyResolutionTimeout, positive: true),
            },
        };

        if (r.Error is null && !ClientPaths.IsValidId(parsed.Id))
        {
            r.Fail($"[client] id: {ClientPaths.InvalidIdMessage(parsed.Id)}");
        }

        error = r.Error ?? "";
        config = r.Error is null ? parsed : null;
        return r.Error is null;
    }

    /// <summary>Nym's deny_unknown_fields: the first unknown table or key, named.</summary>
    private static string? Unknown(TomlTable model)
    {
        foreach (var (name, value) in model)
        {
            if (!Keys.TryGetValue(name, out var allowed) || value is not TomlTable table)
            {
                return $"unknown field `{name}` (expected the tables [client], [client.gateway_endpoint], [socket], [logging], [debug], [services])";
            }

            foreach (var key in table.Keys.Where(k => !allowed.Contains(k)))
            {
                return $"[{name}] has an unknown field `{key}`";
            }

            if (name == "client" && table.TryGetValue("gateway_endpoint", out var endpoint) && endpoint is TomlTable endpointTable)
            {
                foreach (var key in endpointTable.Keys.Where(k => !Keys["client.gateway_endpoint"].Contains(k)))
                {
                    return $"[client.gateway_endpoint] has an unknown field `{key}`";
                }
            }
        }

        return null;
    }

    /// <summary>A TOML literal string as Nym's template writes it, or a basic string when the value cannot be one.</summary>
    private static string Str(string value)
    {
        if (!value.Any(c => c is '\'' or '\n' or '\r' || char.IsControl(c)))
        {
            return $"'{value}'";
        }

        var text = new StringBuilder("\"");
        foreach (char c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                _ when char.IsControl(c) => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Dur(TimeSpan value) => Str(HumanDuration.Format(value));

    /// <summary>Reads typed values, keeping the first error: a wrong type is an error, a missing optional key its default.</summary>
    private sealed class Reader
    {
        public string? Error { get; private set; }

        public void Fail(string error) => Error ??= error;

        public TomlTable Table(TomlTable parent, string name, bool required) => Table(parent, name, name, required);

        public TomlTable Table(TomlTable parent, string fullName, string key, bool required)
        {
            if (parent.TryGetValue(key, out var value) && value is TomlTable table)
            {
                return table;
            }

            if (required || parent.ContainsKey(key))
            {
                Fail($"missing table [{fullName}]");
            }

            return [];
        }

        public string String(TomlTable table, string tableName, string key, string? fallback)
        {
            if (!table.TryGetValue(key, out var value))
            {
                if (fallback is null)
                {
                    Fail($"[{tableName}] is missing `{key}`");
                }

                return fallback ?? "";
            }

            if (value is string text)
            {
                return text;
            }

            Fail($"[{tableName}] {key} must be a string");
            return fallback ?? "";
        }

        public bool Bool(TomlTable table, string tableName, string key, bool fallback)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return fallback;
            }

            if (value is bool flag)
            {
                return flag;
            }

            Fail($"[{tableName}] {key} must be true or false");
            return fallback;
        }

        public int Port(TomlTable table, string tableName, string key)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return ClientConfig.DefaultPort;
            }

            if (value is long port and >= 0 and <= 65535)
            {
                return (int)port;
            }

            Fail($"[{tableName}] {key} must be a port number from 0 to 65535");
            return ClientConfig.DefaultPort;
        }

        public List<Uri> Urls(TomlTable table, string tableName, string key)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return [ClientConfig.DefaultValidator];
            }

            var urls = new List<Uri>();
            if (value is TomlArray array)
            {
                foreach (var item in array)
                {
                    if (item is string text && TryHttpUrl(text, out var url))
                    {
                        urls.Add(url);
                    }
                    else
                    {
                        Fail($"[{tableName}] {key} must list http(s) URLs, and '{item}' is not one");
                        return [];
                    }
                }
            }

            if (urls.Count == 0)
            {
                Fail($"[{tableName}] {key} must be a non-empty list of URLs");
            }

            return urls;
        }

        /// <param name="positive">
        /// Rates, timeouts and Poisson means (the client core's TrafficOptions) must be above zero; delays and additions may be zero.
        /// </param>
        public TimeSpan Duration(TomlTable table, string key, TimeSpan fallback, bool positive)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return fallback;
            }

            // At most a day: every [debug] duration feeds a timer, and .NET timers cannot wait beyond about 49 days.
            string range = positive ? "above 0s and at most 1d" : "from 0s to 1d";
            if (value is string text && HumanDuration.TryParse(text, out var duration))
            {
                if ((positive ? duration > TimeSpan.Zero : duration >= TimeSpan.Zero) && duration <= MaxDebugDuration)
                {
                    return duration;
                }

                Fail($"[debug] {key} must be {range}, not '{text}'");
                return fallback;
            }

            Fail($"[debug] {key} must be a duration {range} such as '50ms', '1s 500ms' or '5m', not {value}");
            return fallback;
        }

        public double Number(TomlTable table, string key, double fallback)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return fallback;
            }

            double? number = value switch { double d => d, long l => l, _ => null };
            if (number is >= 0 and <= 1000)
            {
                return number.Value;
            }

            Fail($"[debug] {key} must be a number from 0 to 1000");
            return fallback;
        }
    }

    /// <summary>An absolute http or https URL, as validator API URLs must be.</summary>
    public static bool TryHttpUrl(string text, out Uri url) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out url!) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
}
