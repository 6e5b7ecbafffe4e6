using System.Globalization;
using System.Net;

namespace Nym.KeyStore;

/// <summary>
/// Where the nym-keystore exe listens, and the <see cref="KeyStoreOptions"/> it serves with. Each value comes from
/// its command-line option, else its environment variable, else the default; a bad value is a one-line error.
/// </summary>
internal sealed record KeyStoreHostOptions(IPAddress Bind, int HttpPort, int GrpcPort, KeyStoreOptions KeyStore)
{
    public const int DefaultHttpPort = 8082;
    public const int DefaultGrpcPort = 8083;
    public const string DefaultBind = "127.0.0.1";

    /// <summary><c>$NYM_HOME</c>, or <c>~/.nym</c>: the same home as Nym's own binaries.</summary>
    public static string DefaultHome(Func<string, string?> environment) =>
        environment("NYM_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nym");

    /// <summary>Command-line values (null when not given) win over the environment, which wins over the defaults.</summary>
    public static bool TryResolve(
        string? home, string? httpPort, string? grpcPort, string? bind, string? tokenFile,
        Func<string, string?> environment, out KeyStoreHostOptions? options, out string error)
    {
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

        if (!Microsoft.Extensions.Hosting.ServiceToken.TryLoad(tokenFile, environment, out var token, out error))
        {
            return false;
        }

        var keyStore = new KeyStoreOptions(Path.GetFullPath(home ?? DefaultHome(environment)), token);
        options = new KeyStoreHostOptions(address, http, grpc, keyStore);
        error = "";
        return true;
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
