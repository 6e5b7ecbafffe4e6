using System.CommandLine;
using System.CommandLine.Invocation;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The command line every gRPC service shares (nym-api, nym-keystore, nym-crypto): the options of its two endpoints
/// (<see cref="ServiceListenOptions"/>), the service token file, and running the root command the way a service must.
/// </summary>
public static class ServiceCommandLine
{
    /// <summary>--http-port, --grpc-port and --bind, each naming its environment variable and default.</summary>
    public static (Option<string?> HttpPort, Option<string?> GrpcPort, Option<string?> Bind) ListenOptions(
        int defaultHttpPort, int defaultGrpcPort, string httpServes, string grpcServes) =>
    (
        new Option<string?>("--http-port")
        {
            Description = $"Port of the HTTP/1.1 endpoint: {httpServes}; 0 picks a free port. Env NYM_HTTP_PORT. Default: {defaultHttpPort}.",
            HelpName = "port",
        },
        new Option<string?>("--grpc-port")
        {
            Description = $"Port of the gRPC endpoint (HTTP/2 without TLS): {grpcServes}; 0 picks a free port. Env NYM_GRPC_PORT. Default: {defaultGrpcPort}.",
            HelpName = "port",
        },
        new Option<string?>("--bind")
        {
            Description = $"IP address both endpoints listen on (0.0.0.0 or :: for every interface). Env NYM_BIND. Default: {ServiceListenOptions.DefaultBind}.",
            HelpName = "address",
        });

    /// <summary>--token-file: where the deployment's service token is read from instead of the environment.</summary>
    public static Option<string?> TokenFileOption(string exe) => new("--token-file")
    {
        Description = $"File whose first line is the deployment's service token, which every call must carry (at least {ServiceToken.MinimumLength} characters). "
            + $"Without it the token comes from env {ServiceToken.EnvironmentVariable}. Default: none; {exe} refuses to start without a token.",
        HelpName = "path",
    };

    /// <summary>Runs <paramref name="root"/>: a mistyped option gets its error on one line, not the whole help after it.</summary>
    public static Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        var parseResult = root.Parse(args);
        if (parseResult.Action is ParseErrorAction parseError)
        {
            parseError.ShowHelp = false;
        }

        // The generic host handles SIGTERM itself; System.CommandLine's own handler would cut its graceful stop short.
        return parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>A failure as one line on stderr, prefixed by the exe's name; exit code 1.</summary>
    public static int Fail(string exe, string message)
    {
        Console.Error.WriteLine($"{exe}: {message}");
        return 1;
    }
}
