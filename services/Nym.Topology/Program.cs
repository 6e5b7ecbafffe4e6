using System.CommandLine;
using Nym.Topology;

// nym-api: the Topology service (DESIGN.md D11). Options come from the command line, else the environment, else the defaults.
var (httpPort, grpcPort, bind) = ServiceCommandLine.ListenOptions(
    TopologyOptions.DefaultHttpPort, TopologyOptions.DefaultGrpcPort,
    "the validator-API JSON (/v1/mixnodes/active, /v1/mixnodes, /v1/gateways), /health and /alive", "TopologyService of topology.proto");
var dataDir = new Option<string?>("--data-dir")
{
    Description = $"Directory of the registrations database ({NodeStore.FileName}), created when missing. Env NYM_DATA_DIR. Default: $NYM_HOME/nym-api, or ~/.nym/nym-api without NYM_HOME (here: {TopologyOptions.DefaultDataDirectory(Environment.GetEnvironmentVariable)}).",
    HelpName = "dir",
};
var announceTtl = new Option<string?>("--announce-ttl")
{
    Description = $"How long a node stays active after its last registration, as 90s, 2m, 1h or 1500ms (1s to 24h); nodes re-announce before it ends. Env NYM_ANNOUNCE_TTL. Default: {TopologyOptions.DefaultAnnounceTtl.TotalSeconds:0}s.",
    HelpName = "duration",
};

var root = new RootCommand("nym-api: the NymAspire topology service. Mix nodes and gateways register with requests signed by their identity keys; "
    + "clients read the active nodes over gRPC or as Nym 1.0.1's validator-API JSON.")
{
    httpPort, grpcPort, bind, dataDir, announceTtl,
};

root.SetAction(async (parse, cancellationToken) =>
{
    if (!TopologyOptions.TryResolve(
            parse.GetValue(httpPort), parse.GetValue(grpcPort), parse.GetValue(bind), parse.GetValue(dataDir), parse.GetValue(announceTtl),
            Environment.GetEnvironmentVariable, out var options, out var error))
    {
        return Fail(error);
    }

    try
    {
        await using var app = TopologyApp.Build(options!, TimeProvider.System);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
            StartupLog.Serving(app.Logger, endpoints.Http, endpoints.Grpc, options!.DataDirectory, options.AnnounceTtl);
        });
        // The host stops on SIGTERM or Ctrl+C, lets requests finish, then disposes the store (closing SQLite).
        await app.RunAsync(CancellationToken.None);
        return 0;
    }
    catch (TopologyStartupException e)
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

static int Fail(string message) => ServiceCommandLine.Fail("nym-api", message);

internal static partial class StartupLog
{
    // The service's own endpoints, which operators and the process test look for; never a peer's address.
    [LoggerMessage(Level = LogLevel.Information, Message = "nym-api serving HTTP on {Http} and gRPC on {Grpc}, data in {DataDirectory}, announce TTL {Ttl}")]
    public static partial void Serving(ILogger logger, Uri http, Uri grpc, string dataDirectory, TimeSpan ttl);
}
