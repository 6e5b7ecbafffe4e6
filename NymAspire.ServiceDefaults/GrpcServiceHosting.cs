using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Where a gRPC service listens (DESIGN.md, "Aspire and gRPC conventions"): an <c>http</c> endpoint (HTTP/1.1:
/// /health, /alive and plain HTTP) and a <c>grpc</c> endpoint (HTTP/2 without TLS), both on one address. Each value
/// comes from its command-line option, else its environment variable (NYM_HTTP_PORT, NYM_GRPC_PORT, NYM_BIND), else
/// the service's default; a bad value is a one-line error naming both places.
/// </summary>
public sealed record ServiceListenOptions(IPAddress Bind, int HttpPort, int GrpcPort)
{
    public const string DefaultBind = "127.0.0.1";

    /// <summary>The command-line value when given, else the environment variable's when set and not empty.</summary>
    public static string? Pick(string? commandLine, string variable, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return commandLine ?? (environment(variable) is { Length: > 0 } value ? value : null);
    }

    public static bool TryResolve(
        string? httpPort, string? grpcPort, string? bind, int defaultHttpPort, int defaultGrpcPort,
        Func<string, string?> environment, [NotNullWhen(true)] out ServiceListenOptions? options, out string error)
    {
        options = null;
        if (!TryPort(Pick(httpPort, "NYM_HTTP_PORT", environment), defaultHttpPort, "--http-port", "NYM_HTTP_PORT", out int http, out error)
            || !TryPort(Pick(grpcPort, "NYM_GRPC_PORT", environment), defaultGrpcPort, "--grpc-port", "NYM_GRPC_PORT", out int grpc, out error))
        {
            return false;
        }

        if (http == grpc && http != 0)
        {
            error = $"--http-port and --grpc-port are both {http}; HTTP/1.1 and gRPC need a port each";
            return false;
        }

        var bindText = Pick(bind, "NYM_BIND", environment) ?? DefaultBind;
        if (!IPAddress.TryParse(bindText, out var address))
        {
            error = $"--bind (or NYM_BIND) must be an IP address such as 127.0.0.1 or 0.0.0.0, got '{bindText}'";
            return false;
        }

        options = new ServiceListenOptions(address, http, grpc);
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

/// <summary>A gRPC service's two Kestrel endpoints, readable once the app has started (with port 0, Kestrel picks).</summary>
public sealed class ServiceEndpoints
{
    internal ListenOptions? HttpListener { get; set; }

    internal ListenOptions? GrpcListener { get; set; }

    /// <summary>HTTP/1.1: /health, /alive and plain HTTP.</summary>
    public Uri Http => ToUri(HttpListener);

    /// <summary>HTTP/2 without TLS (h2c): the gRPC services.</summary>
    public Uri Grpc => ToUri(GrpcListener);

    private static Uri ToUri(ListenOptions? listener) =>
        listener?.IPEndPoint is { } endPoint
            ? new UriBuilder("http", endPoint.Address.ToString(), endPoint.Port).Uri
            : throw new InvalidOperationException("The endpoints are known once the app has started.");
}

public static class GrpcServiceHosting
{
    /// <summary>Listens on the two endpoints and registers <see cref="ServiceEndpoints"/> for reading them later.</summary>
    public static ServiceEndpoints ListenOnHttpAndGrpc(this WebApplicationBuilder builder, IPAddress bind, int httpPort, int grpcPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var endpoints = new ServiceEndpoints();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(bind, httpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.HttpListener = listen;
            });
            kestrel.Listen(bind, grpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                endpoints.GrpcListener = listen;
            });
        });
        builder.Services.AddSingleton(endpoints);
        return endpoints;
    }
}
