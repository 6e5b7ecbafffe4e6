using System.Globalization;
using System.Net;
using Nym.Client.Config;
using Nym.Client.Core;

namespace Nym.Client.Commands;

/// <summary>What the command line gives init and run; null = not given.</summary>
internal sealed record CommandOverrides(
    string? Gateway = null, string? Validators = null, int? Port = null, string? Host = null, bool DisableSocket = false, bool FastMode = false,
    int? HttpPort = null, string? Bind = null, string? TokenFile = null);

/// <summary>
/// The settings of one command: command line, else environment (NYM_VALIDATORS, NYM_CLIENT_PORT, NYM_HTTP_PORT,
/// NYM_BIND, NYM_KEYSTORE, NYM_CRYPTO, NYM_SERVICE_TOKEN), else config.toml, else Nym's defaults. A bad value is a
/// <see cref="ClientSetupException"/> naming where it came from.
/// </summary>
internal static class ClientSettings
{
    /// <summary>The config with the overrides applied: what init writes, and what run runs with (without saving).</summary>
    public static ClientConfig Apply(ClientConfig config, CommandOverrides o, Func<string, string?> environment)
    {
        var validators = Pick(o.Validators, "NYM_VALIDATORS", environment);
        var port = o.Port is { } p ? CheckPort(p, "--port") : Pick(null, "NYM_CLIENT_PORT", environment) is { } text ? ParsePort(text, "NYM_CLIENT_PORT") : config.ListeningPort;
        return config with
        {
            ValidatorApiUrls = validators is null ? config.ValidatorApiUrls : ParseUrls(validators, o.Validators is null ? "NYM_VALIDATORS" : "--validators"),
            ListeningPort = port,
            Host = o.Host ?? config.Host,
            SocketEnabled = config.SocketEnabled && !o.DisableSocket,
            KeyStoreUrl = Pick(null, "NYM_KEYSTORE", environment) ?? config.KeyStoreUrl,
            CryptoUrl = Pick(null, "NYM_CRYPTO", environment) ?? config.CryptoUrl,
            Debug = o.FastMode ? DebugSettings.FastMode : config.Debug,
        };
    }

    public static TrafficOptions Traffic(DebugSettings d) => TrafficOptions.Default with
    {
        AveragePacketDelay = d.AveragePacketDelay,
        AverageAckDelay = d.AverageAckDelay,
        LoopCoverTrafficAverageDelay = d.LoopCoverTrafficAverageDelay,
        MessageSendingAverageDelay = d.MessageSendingAverageDelay,
        AckWaitMultiplier = d.AckWaitMultiplier,
        AckWaitAddition = d.AckWaitAddition,
        GatewayResponseTimeout = d.GatewayResponseTimeout,
        TopologyRefreshRate = d.TopologyRefreshRate,
        TopologyResolutionTimeout = d.TopologyResolutionTimeout,
    };

    /// <summary>The websocket API's address (socket.host, D8; a host name other than localhost is refused).</summary>
    public static IPAddress? WebSocketAddress(ClientConfig config)
    {
        if (!config.SocketEnabled)
        {
            return null;
        }

        if (config.Host == "localhost")
        {
            return IPAddress.Loopback;
        }

        return IPAddress.TryParse(config.Host, out var address)
            ? address
            : throw new ClientSetupException($"socket host '{config.Host}' is not an IP address: use e.g. 127.0.0.1 or 0.0.0.0 (--host or [socket] host)");
    }

    public static (IPAddress Address, int Port) HttpEndpoint(CommandOverrides o, Func<string, string?> environment)
    {
        int port = o.HttpPort is { } p ? CheckPort(p, "--http-port") : Pick(null, "NYM_HTTP_PORT", environment) is { } text ? ParsePort(text, "NYM_HTTP_PORT") : 0;
        var bind = o.Bind ?? Pick(null, "NYM_BIND", environment) ?? "127.0.0.1";
        return IPAddress.TryParse(bind, out var address)
            ? (address, port)
            : throw new ClientSetupException($"--bind (or NYM_BIND) must be an IP address such as 127.0.0.1 or 0.0.0.0, got '{bind}'");
    }

    public static List<Uri> ParseUrls(string text, string source)
    {
        var urls = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            urls.Add(ClientConfigFile.TryHttpUrl(part, out var url)
                ? url
                : throw new ClientSetupException($"{source}: '{part}' is not an http(s) URL; give validator API URLs such as http://127.0.0.1:8080"));
        }

        return urls.Count > 0 ? urls : throw new ClientSetupException($"{source} names no URL; give validator API URLs such as http://127.0.0.1:8080");
    }

    private static string? Pick(string? commandLine, string variable, Func<string, string?> environment) =>
        commandLine ?? (environment(variable) is { Length: > 0 } value ? value : null);

    private static int ParsePort(string text, string source) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) ? CheckPort(port, source)
            : throw new ClientSetupException($"{source} must be a port number from 0 to 65535, got '{text}'");

    private static int CheckPort(int port, string source) => port is >= 0 and <= IPEndPoint.MaxPort
        ? port
        : throw new ClientSetupException($"{source} must be a port number from 0 to 65535, got {port}");
}
