using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Nym.Topology;

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

        builder.ListenOnHttpAndGrpc(options.Bind, options.HttpPort, options.GrpcPort);
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
