using System.CommandLine;
using System.CommandLine.Invocation;
using Nym.Crypto;

// nym-crypto: the Sphinx/crypto service (DESIGN.md "Services"). Options come from the command line, else the
// environment, else the defaults.
var httpPort = new Option<string?>("--http-port")
{
    Description = $"Port of the HTTP/1.1 endpoint (/health, /alive); 0 picks a free port. Env NYM_HTTP_PORT. Default: {CryptoHostOptions.DefaultHttpPort}.",
    HelpName = "port",
};
var grpcPort = new Option<string?>("--grpc-port")
{
    Description = $"Port of the gRPC endpoint (HTTP/2 without TLS): CryptoService of crypto.proto; 0 picks a free port. Env NYM_GRPC_PORT. Default: {CryptoHostOptions.DefaultGrpcPort}.",
    HelpName = "port",
};
var bind = new Option<string?>("--bind")
{
    Description = $"IP address both endpoints listen on (0.0.0.0 or :: for every interface). Env NYM_BIND. Default: {CryptoHostOptions.DefaultBind}.",
    HelpName = "address",
};
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
var tokenFile = new Option<string?>("--token-file")
{
    Description = "File whose first line is the deployment's service token (required from callers, shown to the KeyStore). Default: the environment variable NYM_SERVICE_TOKEN, which must then be set.",
    HelpName = "path",
};

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

var parseResult = root.Parse(args);
if (parseResult.Action is ParseErrorAction parseError)
{
    // A mistyped option gets its error on one line, not the whole help text after it.
    parseError.ShowHelp = false;
}

// The generic host handles SIGTERM itself; System.CommandLine's own handler would cut its graceful stop short.
return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static int Fail(string message)
{
    Console.Error.WriteLine($"nym-crypto: {message}");
    return 1;
}

internal static partial class StartupLog
{
    // The service's own endpoints and its dependencies' URLs, which operators look for; never a client's anything.
    [LoggerMessage(Level = LogLevel.Information, Message = "nym-crypto serving HTTP on {Http} and gRPC on {Grpc}; KeyStore {KeyStore}, topology from {Topology}")]
    public static partial void Serving(ILogger logger, Uri http, Uri grpc, Uri keyStore, Uri topology);
}
