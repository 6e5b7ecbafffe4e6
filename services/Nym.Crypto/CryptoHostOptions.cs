using System.Globalization;
using System.Net;

namespace Nym.Crypto;

/// <summary>
/// What the nym-crypto exe runs with, validated once at start: each value from its command-line option, else its
/// environment variable, else the default; a bad value is a one-line error naming both places.
/// </summary>
public sealed record CryptoHostOptions(IPAddress Bind, int HttpPort, int GrpcPort, CryptoOptions Service)
{
    public const int DefaultHttpPort = 8084;
    public const int DefaultGrpcPort = 8085;
    public const string DefaultBind = "127.0.0.1";

    /// <summary>nym-keystore's and nym-api's default gRPC endpoints on this machine.</summary>
    public const string DefaultKeyStoreUrl = "http://127.0.0.1:8083", DefaultTopologyUrl = "http://127.0.0.1:8081";

    /// <summary>Command-line values (null when not given) win over the environment, which wins over the defaults.</summary>
    public static bool TryResolve(
        string? httpPort, string? grpcPort, string? bind, string? keyStore, string? topology, string? tokenFile,
        Func<string, string?> environment, out CryptoHostOptions? options, out string error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options = null;
        string? Pick(string? commandLine, string variable) => commandLine ?? (environment(variable) is { Length: > 0 } v ? v : null);

        if (!TryPort(Pick(httpPort, "NYM_HTTP_PORT"), DefaultHttpPort, "--http-port", "NYM_HTTP_PORT", out int http, out error)
            || !TryPort(Pick(grpcPort, "NYM_GRPC_PORT"), DefaultGrpcPort, "--grpc-port", "NYM_GRPC_PORT", out int grpc, out error))
        {
            return false;
        }

        if (http == grpc && http != 0)
        {
            error = $"--http-port and --grpc-port are both {http}; HTTP/1.1 and gRPC need a port each";
            return false;
        }

        var bindText = Pick(bind, "NYM_BIND") ?? DefaultBind;
        if (!IPAddress.TryParse(bindText, out var address))
        {
            error = $"--bind (or NYM_BIND) must be an IP address such as 127.0.0.1 or 0.0.0.0, got '{bindText}'";
            return false;
        }

        if (!TryUrl(Pick(keyStore, "NYM_KEYSTORE") ?? DefaultKeyStoreUrl, "--keystore", "NYM_KEYSTORE", out var keyStoreUrl, out error)
            || !TryUrl(Pick(topology, "NYM_TOPOLOGY") ?? DefaultTopologyUrl, "--topology", "NYM_TOPOLOGY", out var topologyUrl, out error))
        {
            return false;
        }

        if (!Microsoft.Extensions.Hosting.ServiceToken.TryLoad(tokenFile, environment, out var token, out error))
        {
            return false;
        }

        options = new CryptoHostOptions(address, http, grpc, new CryptoOptions { KeyStoreUrl = keyStoreUrl, TopologyUrl = topologyUrl, ServiceToken = token });
        return true;
    }

    private static bool TryUrl(string text, string option, string variable, out Uri url, out string error)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out url!) && url.Scheme is "http" or "https")
        {
            error = "";
            return true;
        }

        error = $"{option} (or {variable}) must be a gRPC URL such as http://127.0.0.1:8083, got '{text}'";
        return false;
    }

    private static bool TryPort(string? text, int fallback, string option, string variable, out int port, out string error)
    {
        port = fallback;
        error = "";
        if (text is null)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort)
        {
            return true;
        }

        error = $"{option} (or {variable}) must be a port number from 0 (any free port) to 65535, got '{text}'";
        return false;
    }
}
