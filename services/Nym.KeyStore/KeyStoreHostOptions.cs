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

    /// <summary>Command-line values (null when not given) win over the environment, which wins over the defaults.</summary>
    public static bool TryResolve(
        string? home, string? httpPort, string? grpcPort, string? bind, string? tokenFile,
        Func<string, string?> environment, out KeyStoreHostOptions? options, out string error)
    {
        options = null;
        if (!ServiceListenOptions.TryResolve(httpPort, grpcPort, bind, DefaultHttpPort, DefaultGrpcPort, environment, out var listen, out error))
        {
            return false;
        }

        if (!Microsoft.Extensions.Hosting.ServiceToken.TryLoad(tokenFile, environment, out var token, out error))
        {
            return false;
        }

        var keyStore = new KeyStoreOptions(Path.GetFullPath(home ?? Nym.Protocol.Keys.NymHomeDirectory.Resolve(environment)), token);
        options = new KeyStoreHostOptions(listen.Bind, listen.HttpPort, listen.GrpcPort, keyStore);
        error = "";
        return true;
    }
}
