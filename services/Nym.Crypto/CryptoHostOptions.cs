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

    /// <summary>nym-keystore's and nym-api's default gRPC endpoints on this machine.</summary>
    public const string DefaultKeyStoreUrl = "http://127.0.0.1:8083", DefaultTopologyUrl = "http://127.0.0.1:8081";

    /// <summary>Command-line values (null when not given) win over the environment, which wins over the defaults.</summary>
    public static bool TryResolve(
        string? httpPort, string? grpcPort, string? bind, string? keyStore, string? topology, string? tokenFile,
        Func<string, string?> environment, out CryptoHostOptions? options, out string error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options = null;
        if (!ServiceListenOptions.TryResolve(httpPort, grpcPort, bind, DefaultHttpPort, DefaultGrpcPort, environment, out var listen, out error))
        {
            return false;
        }

        string? Pick(string? commandLine, string variable) => ServiceListenOptions.Pick(commandLine, variable, environment);

        if (!TryUrl(Pick(keyStore, "NYM_KEYSTORE") ?? DefaultKeyStoreUrl, "--keystore", "NYM_KEYSTORE", out var keyStoreUrl, out error)
            || !TryUrl(Pick(topology, "NYM_TOPOLOGY") ?? DefaultTopologyUrl, "--topology", "NYM_TOPOLOGY", out var topologyUrl, out error))
        {
            return false;
        }

        if (!Microsoft.Extensions.Hosting.ServiceToken.TryLoad(tokenFile, environment, out var token, out error))
        {
            return false;
        }

        options = new CryptoHostOptions(listen.Bind, listen.HttpPort, listen.GrpcPort, new CryptoOptions { KeyStoreUrl = keyStoreUrl, TopologyUrl = topologyUrl, ServiceToken = token });
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
}
