using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Nym.Client.Api;
using Nym.Client.Core;
using Nym.Crypto;
using Nym.KeyStore;

namespace Nym.Client.Hosting;

/// <summary>The two Kestrel endpoints, readable once the app has started (with port 0, Kestrel picks the port).</summary>
internal sealed class ClientEndpoints
{
    internal ListenOptions? WebSocketListener { get; set; }

    internal ListenOptions? HttpListener { get; set; }

    /// <summary>The websocket API for apps (nym-client-api.md §1), or null with <c>socket_type = 'None'</c>.</summary>
    public Uri? WebSocket => WebSocketListener?.IPEndPoint is { } endPoint ? new UriBuilder("ws", endPoint.Address.ToString(), endPoint.Port).Uri : null;

    /// <summary>HTTP/1.1: /health and /alive.</summary>
    public Uri Http => HttpListener?.IPEndPoint is { } endPoint
        ? new UriBuilder("http", endPoint.Address.ToString(), endPoint.Port).Uri
        : throw new InvalidOperationException("The endpoints are known once the app has started.");

    public bool IsWebSocketPort(int port) => WebSocketListener?.IPEndPoint?.Port == port;
}

/// <summary>Where nym-client listens: the websocket API (config [socket], D8) and the http endpoint (deployment contract).</summary>
internal sealed record ListenSettings(IPAddress? WebSocketAddress, int WebSocketPort, IPAddress HttpAddress, int HttpPort);

/// <summary>Builds nym-client's web application around a running mixnet session: used by Program and by the tests.</summary>
internal static class ClientApp
{
    /// <param name="session">asked for when the app starts: the caller may start the session after building the app, with its logging.</param>
    public static WebApplication Build(ListenSettings listen, string dataDirectory, Func<IMixnetSession> session, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "nym-client",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddServiceDefaults(ClientMetrics.MeterName, KeyStoreServiceExtensions.MeterName, CryptoMetrics.MeterName);
        // Framework logs at Warning, as nym-keystore and nym-crypto set them: in standalone mode the hosted services share
        // these loggers, and at Information every internal gRPC call (an OpenPayloads for almost every packet that
        // arrives, cover included) wrote four log entries to the console: 11-14% of an idle client's CPU (docs/performance.md).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // Apps may keep connections open for as long as they like; the host gives them a moment to close on stop.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var endpoints = new ClientEndpoints();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Above Nym's 64 MiB message limit the websocket layer, not Kestrel, must be the one to refuse (§1).
            kestrel.Limits.MaxRequestBodySize = null;
            if (listen.WebSocketAddress is { } address)
            {
                kestrel.Listen(address, listen.WebSocketPort, l =>
                {
                    l.Protocols = HttpProtocols.Http1;
                    endpoints.WebSocketListener = l;
                });
            }

            kestrel.Listen(listen.HttpAddress, listen.HttpPort, l =>
            {
                l.Protocols = HttpProtocols.Http1;
                endpoints.HttpListener = l;
            });
        });

        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(_ => session());
        builder.Services.AddSingleton(new ApiLimits());
        builder.Services.AddSingleton(services => ReceivedStore.Open(dataDirectory, services.GetRequiredService<ApiLimits>()));
        builder.Services.AddSingleton<AppHub>();
        builder.Services.AddHostedService<Dispatcher>();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        // Open the store now, so that a damaged database stops the start with its reason.
        _ = app.Services.GetRequiredService<ReceivedStore>();

        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseWhen(context => endpoints.IsWebSocketPort(context.Connection.LocalPort), api => api.Run(ServeAppAsync));
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>
    /// Any path is the websocket API, as in Nym (§1). A request that is not a websocket handshake (a port probe, plain
    /// HTTP) gets a 400 that says what the port is; in Nym 1.0.1 it could kill the process (§5 crash path 5).
    /// </summary>
    private static async Task ServeAppAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("This is nym-client's websocket API: connect with a websocket client, e.g. ws://127.0.0.1:1977\n").ConfigureAwait(false);
            return;
        }

        // D5: text until the app's first binary request, unless it asks for binary from the start.
        bool binary = string.Equals(context.Request.Query["format"], "binary", StringComparison.OrdinalIgnoreCase);
        var hub = context.RequestServices.GetRequiredService<AppHub>();
        if (!hub.TryAdmit())
        {
            // Refused before the handshake, so the app sees why in the HTTP answer its websocket library reports.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync($"nym-client serves at most {hub.Limits.MaxApps} apps at once: close one and connect again\n").ConfigureAwait(false);
            return;
        }

        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var socket = await AcceptAsync(context, hub).ConfigureAwait(false);
        await hub.ServeAsync(socket, binary, stopping).ConfigureAwait(false);
    }

    /// <summary>The handshake; an admitted app that fails it is counted out again (ServeAsync counts out the others).</summary>
    private static async Task<WebSocket> AcceptAsync(HttpContext context, AppHub hub)
    {
        try
        {
            return await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        }
        catch
        {
            hub.Release();
            throw;
        }
    }

    /// <summary>
    /// Hands received messages on while the client runs. On a graceful stop it first stops the session taking from the
    /// gateway, then hands on everything already received (to apps, or the D4 store), and only then lets the host go
    /// on stopping: what the gateway gave us was deleted from its inbox, so dropping it here would lose it for good.
    /// </summary>
    private sealed class Dispatcher(AppHub hub) : BackgroundService
    {
        private readonly CancellationTokenSource _abandon = new();

        public override async Task StopAsync(CancellationToken cancellationToken)
        {
            // Only the host's shutdown timeout cuts the drain short.
            using (cancellationToken.Register(_abandon.Cancel))
            {
                await hub.Session.StopReceivingAsync().ConfigureAwait(false);
                if (ExecuteTask is { } dispatching)
                {
                    await dispatching.ConfigureAwait(false);
                }
            }

            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        public override void Dispose()
        {
            _abandon.Dispose();
            base.Dispose();
        }

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => hub.DispatchAsync(_abandon.Token);
    }
}
