using System.CommandLine;
using Nym.KeyStore;

// nym-keystore: the KeyStore service (DESIGN.md "Services"). Options come from the command line, else the environment, else the defaults.
var home = new Option<string?>("--home")
{
    Description = "Nym's home directory: client keys in <home>/clients/<id>/data/*.pem (Nym 1.0.1's layout), the database in "
        + $"<home>/keystore/keystore.sqlite; created when missing. Env NYM_HOME. Default: ~/.nym (here: {Nym.Protocol.Keys.NymHomeDirectory.Resolve(_ => null)}).",
    HelpName = "dir",
};
var (httpPort, grpcPort, bind) = ServiceCommandLine.ListenOptions(
    KeyStoreHostOptions.DefaultHttpPort, KeyStoreHostOptions.DefaultGrpcPort,
    "/health, /alive", "KeyStoreService of keystore.proto");
var tokenFile = ServiceCommandLine.TokenFileOption("nym-keystore");

var root = new RootCommand("nym-keystore: the NymAspire KeyStore. Keeps each client's keys in Nym 1.0.1's files, signs with its identity key "
    + "(which never leaves), hands the other keys to the crypto and client services, and keeps reply-SURB keys; only for callers holding the service token.")
{
    home, httpPort, grpcPort, bind, tokenFile,
};

root.SetAction(async (parse, cancellationToken) =>
{
    if (!KeyStoreHostOptions.TryResolve(
            parse.GetValue(home), parse.GetValue(httpPort), parse.GetValue(grpcPort), parse.GetValue(bind), parse.GetValue(tokenFile),
            Environment.GetEnvironmentVariable, out var options, out var error))
    {
        return Fail(error);
    }

    try
    {
        await using var app = KeyStoreApp.Build(options!);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
            StartupLog.Serving(app.Logger, endpoints.Http, endpoints.Grpc, options!.KeyStore.Home);
        });
        // The host stops on SIGTERM or Ctrl+C, lets calls finish, then disposes the database (closing SQLite).
        await app.RunAsync(CancellationToken.None);
        return 0;
    }
    catch (KeyStoreStartupException e)
    {
        return Fail(e.Message);
    }
    catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException or null)
    {
        // Kestrel's "Failed to bind to address …: address already in use."
        return Fail(e.Message);
    }
});

return await ServiceCommandLine.InvokeAsync(root, args);

static int Fail(string message) => ServiceCommandLine.Fail("nym-keystore", message);

internal static partial class StartupLog
{
    // The service's own endpoints and home, which operators and the process test look for; never a client's keys.
    [LoggerMessage(Level = LogLevel.Information, Message = "nym-keystore serving HTTP on {Http} and gRPC on {Grpc}, home {Home}")]
    public static partial void Serving(ILogger logger, Uri http, Uri grpc, string home);
}
