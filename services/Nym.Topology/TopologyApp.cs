using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Nym.Topology;

/// <summary>The two Kestrel endpoints, readable once the app has started (with port 0, Kestrel picks the port).</summary>
internal sealed class ServiceEndpoints
{
    public const string HttpName = "http", GrpcName = "grpc";

    internal ListenOptions? HttpListener { get; set; }

    internal ListenOptions? GrpcListener { get; set; }

    /// <summary>HTTP/1.1: the validator-API JSON, /health and /alive.</summary>
    public Uri Http => ToUri(HttpListener);

    /// <summary>HTTP/2 without TLS (h2c): the gRPC TopologyService.</summary>
    public Uri Grpc => ToUri(GrpcListener);

    private static Uri ToUri(ListenOptions? listener) =>
        listener?.IPEndPoint is { } endPoint
            ? new UriBuilder("http", endPoint.Address.ToString(), endPoint.Port).Uri
            : throw new InvalidOperationException("The endpoints are known once the app has started.");
}

/// <summary>Builds nym-api's web application: used by Program and, unchanged, by the tests.</summary>
internal static class TopologyApp
{
    /// <param name="time">the clock for announcements and expiry; tests pass a fake one.</param>
    /// <exception cref="TopologyStartupException">the data directory or its database cannot be used.</exception>
    public static WebApplication Build(TopologyOptions options, TimeProvider time)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "nym-api",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddServiceDefaults(TopologyMetrics.MeterName);

        var endpoints = new ServiceEndpoints();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Bind, options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.HttpListener = listen;
            });
            kestrel.Listen(options.Bind, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                endpoints.GrpcListener = listen;
            });
        });

        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new TopologyState(
            NodeStore.Open(options.DataDirectory), options.AnnounceTtl, time, sp.GetRequiredService<ILogger<TopologyState>>(), options.MaxNodes));
        builder.Services.AddSingleton<TopologyMetrics>();
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 16 * 1024);
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", timeout: ServiceDefaultsExtensions.HealthCheckTimeout);

        var app = builder.Build();
        // Open the store and load the nodes now, so that a bad data directory stops the start with its reason.
        _ = app.Services.GetRequiredService<TopologyMetrics>();

        app.MapGrpcService<TopologyGrpcService>();
        MapValidatorApi(app);
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>Nym 1.0.1's validator API (nym-mixnet.md §7), which Nym clients read their topology from.</summary>
    private static void MapValidatorApi(WebApplication app)
    {
        const string Json = "application/json";
        var api = app.MapGroup("/v1");
        api.MapGet("/mixnodes/active", (TopologyState state) => Results.Bytes(state.Current.ActiveMixNodesJson, Json));
        api.MapGet("/mixnodes", (TopologyState state) => Results.Bytes(state.Current.AllMixNodesJson, Json));
        api.MapGet("/gateways", (TopologyState state) => Results.Bytes(state.Current.GatewaysJson, Json));
    }

    private sealed class StoreHealthCheck(TopologyState state) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return Task.FromResult(state.StoreIsReadable() ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the topology store does not answer"));
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("the topology store failed", e));
            }
        }
    }
}
