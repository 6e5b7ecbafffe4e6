
namespace Nym.Crypto;

/// <summary>Builds nym-crypto's web application: used by Program and, unchanged, by the tests.</summary>
public static class CryptoApp
{
    /// <param name="topology">null: watch nym-api at the options' topology URL (the exe); tests may pass a fixed one.</param>
    public static WebApplication Build(CryptoHostOptions options, ITopologySource? topology = null, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "nym-crypto",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddServiceDefaults(CryptoMetrics.MeterName);
        // Quiet framework logs, set here rather than in an appsettings.json: nym-client references this project to
        // host the service, and a second appsettings.json would collide with its own in the output.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);

        builder.ListenOnHttpAndGrpc(options.Bind, options.HttpPort, options.GrpcPort);
        builder.Services.AddCrypto(options.Service, topology);
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapCrypto();
        app.MapDefaultEndpoints();
        return app;
    }
}
