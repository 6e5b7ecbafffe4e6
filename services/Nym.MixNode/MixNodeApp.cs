using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
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
        var builder = NodeHosting.CreateBuilder("nym-mixnode", config);
        builder.AddServiceDefaults(MeterName);

        configureServices?.Invoke(builder.Services);
        builder.Services.AddSingleton<ISphinxHopHandler, MixNodeHopHandler>();
        builder.Services.AddNodeMixnet(config, keys, MeterName);
        builder.Services.AddTopologyRegistration(config, keys);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
