using System.CommandLine;
using Nym.Crypto;

// nym-crypto: the Sphinx/crypto service (DESIGN.md "Services"). Options come from the command line, else the
// environment, else the defaults.
var (httpPort, grpcPort, bind) = ServiceCommandLine.ListenOptions(
    CryptoHostOptions.DefaultHttpPort, CryptoHostOptions.DefaultGrpcPort,
    "/health, /alive", "CryptoService of crypto.proto");
var keyStore = new Option<string?>("--keystore")
{
    Description = $"gRPC URL of nym-keystore, which holds the clients' keys. Env NYM_KEYSTORE. Default: {CryptoHostOptions.DefaultKeyStoreUrl}.",
    HelpName = "url",
};
var topology = new Option<string?>("--topology")
{
    Description = $"gRPC URL of nym-api, watched for the network's mix nodes and gateways. Env NYM_TOPOLOGY. Default: {CryptoHostOptions.DefaultTopologyUrl}.",
    HelpName = "url",
};
var tokenFile = ServiceCommandLine.TokenFileOption("nym-crypto");

var root = new RootCommand("nym-crypto: the NymAspire Sphinx/crypto service. Turns a client's messages into Sphinx packets "
    + "(fragments, SURB-ACKs, reply SURBs, cover) and opens what its gateway pushes back; stateless, run as many replicas as needed.")
{
    httpPort, grpcPort, bind, keyStore, topology, tokenFile,
};

root.SetAction(async (parse, cancellationToken) =>
{
    if (!CryptoHostOptions.TryResolve(
            parse.GetValue(httpPort), parse.GetValue(grpcPort), parse.GetValue(bind), parse.GetValue(keyStore), parse.GetValue(topology),
            parse.GetValue(tokenFile), Environment.GetEnvironmentVariable, out var options, out var error))
    {
        return Fail(error);
    }

    try
    {
        await using var app = CryptoApp.Build(options!);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
            StartupLog.Serving(app.Logger, endpoints.Http, endpoints.Grpc, options!.Service.KeyStoreUrl, options.Service.TopologyUrl!);
        });
        // The host stops on SIGTERM or Ctrl+C and lets streams in progress finish.
        await app.RunAsync(CancellationToken.None);
        return 0;
    }
    catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException or null)
    {
        // Kestrel's "Failed to bind to address …: address already in use."
        return Fail(e.Message);
    }
});

return await ServiceCommandLine.InvokeAsync(root, args);

static int Fail(string message) => ServiceCommandLine.Fail("nym-crypto", message);

internal static partial class StartupLog
{
    // The service's own endpoints and its dependencies' URLs, which operators look for; never a client's anything.
    [LoggerMessage(Level = LogLevel.Information, Message = "nym-crypto serving HTTP on {Http} and gRPC on {Grpc}; KeyStore {KeyStore}, topology from {Topology}")]
    public static partial void Serving(ILogger logger, Uri http, Uri grpc, Uri keyStore, Uri topology);
}
