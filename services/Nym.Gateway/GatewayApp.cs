using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Nym.Gateway.Clients;
using Nym.Gateway.Storage;
using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Node.Mixnet;
using Nym.Protocol.Framing;
using Nym.Protocol.Gateway;

namespace Nym.Gateway;

/// <summary>
/// The running gateway: the clients' websocket (clients port, default 9000), the mix port for final hops, the HTTP
/// endpoint (/health, /alive), outgoing links for clients' packets and SURB-ACKs, the inboxes, and registration.
/// </summary>
public static class GatewayApp
{
    public const string DatabaseFile = "db.sqlite";

    /// <param name="configureServices">runs before the gateway's services, so a test can put its own options or clock first.</param>
    public static WebApplication Build(NodeConfig config, NodeKeys keys, NodePaths paths, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(paths);
        var builder = NodeHosting.CreateBuilder("nym-gateway", config, config.ClientsPort);
        builder.AddServiceDefaults(GatewayMetrics.MeterName);

        GatewayStore store;
        try
        {
            store = GatewayStore.OpenAsync(Path.Combine(paths.DataDirectory, DatabaseFile), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (InvalidDataException e)
        {
            throw new NodeSetupException(e.Message);
        }

        // One span per client session would record when each client connects and leaves: not for traces.
        builder.Services.Configure<OpenTelemetry.Instrumentation.AspNetCore.AspNetCoreTraceInstrumentationOptions>(options =>
        {
            var previous = options.Filter;
            options.Filter = context => context.Connection.LocalPort != config.ClientsPort && (previous?.Invoke(context) ?? true);
        });

        configureServices?.Invoke(builder.Services);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton(sp => new ClientDelivery(store, sp.GetRequiredService<GatewayMetrics>()));
        builder.Services.AddSingleton<GatewayHopHandler>();
        builder.Services.AddSingleton<ISphinxHopHandler>(sp => sp.GetRequiredService<GatewayHopHandler>());
        builder.Services.AddSingleton<IMixForwarder, LinkForwarder>();
        builder.Services.AddSingleton<HandshakeSigner>((message, _) => ValueTask.FromResult(keys.Identity.Sign(message.Span)));
        builder.Services.AddSingleton<ClientConnectionHandler>();
        builder.Services.AddHostedService<GatewayDeliveryLoop>();
        builder.Services.AddNodeMixnet(config, keys, GatewayMetrics.MeterName);
        builder.Services.AddTopologyRegistration(config, keys);

        var app = builder.Build();
        app.Services.GetRequiredService<GatewayMetrics>().ObserveConnectedClients(() => app.Services.GetRequiredService<ClientDelivery>().ConnectedClients);
        app.Lifetime.ApplicationStopped.Register(() => store.DisposeAsync().AsTask().GetAwaiter().GetResult());

        // The clients' websocket answers on its own port only, at any path (Nym's gateway accepts any).
        app.UseWebSockets();
        app.UseWhen(context => context.Connection.LocalPort == config.ClientsPort, clients => clients.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync("This is a Nym gateway's websocket endpoint: connect with a websocket client.");
                return;
            }

            // A graceful stop first stops the server, which waits for open connections to end, and only then fires
            // ApplicationStopping (NodeHosting stops the server in the host's Stopping phase): so the connection's
            // close request, which the server makes as it stops, is what ends a client's connection.
            var closeRequested = context.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(app.Lifetime.ApplicationStopping, closeRequested);
            // Pings keep a quiet client's connection alive through middleboxes and show a vanished one as broken.
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(30) });
            await context.RequestServices.GetRequiredService<ClientConnectionHandler>().RunAsync(socket, stopping.Token, context.RequestAborted);
        }));
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>Clients' ForwardSphinx packets leave through the gateway's links to their first mix.</summary>
    private sealed class LinkForwarder(MixLinks links, TimeProvider time) : IMixForwarder
    {
        public bool TryForward(in MixPacket packet) =>
            links.TrySend(packet.NextHop, NodePacket.Copy(packet.Packet.Span, packet.Mode, time.GetTimestamp()));
    }
}
