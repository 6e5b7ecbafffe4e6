using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Node.Mixnet;

namespace Nym.MixNode;

/// <summary>The running mix node: mix port, HTTP endpoint (/health, /alive), packet path, registration.</summary>
public static class MixNodeApp
{
    public const string MeterName = "Nym.MixNode";

    /// <param name="configureServices">runs before the node's services, so a test can put its own options or clock first.</param>
    public static WebApplication Build(NodeConfig config, NodeKeys keys, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "nym-mixnode",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddServiceDefaults(MeterName);
        // Registration logs its own state changes; the gRPC and HTTP client logs would repeat each failed attempt.
        // ASP.NET's per-request lines would log every health probe.
        builder.Logging.AddFilter("Grpc.Net.Client", LogLevel.Warning).AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(config.BindAddress, config.HttpPort);
            kestrel.ListenMix(config);
        });

        configureServices?.Invoke(builder.Services);
        builder.Services.AddSingleton<ISphinxHopHandler, MixNodeHopHandler>();
        builder.Services.AddNodeMixnet(config, keys, MeterName);
        builder.Services.AddTopologyRegistration(config, keys);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
