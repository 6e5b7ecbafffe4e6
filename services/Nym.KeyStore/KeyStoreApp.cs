namespace Nym.KeyStore;

/// <summary>Builds nym-keystore's web application: used by Program and, unchanged, by the tests.</summary>
internal static class KeyStoreApp
{
    /// <param name="randomness">where new keys come from; tests pass fixed bytes, the exe the system's generator.</param>
    /// <exception cref="KeyStoreStartupException">the home or its database cannot be used.</exception>
    public static WebApplication Build(KeyStoreHostOptions options, KeyRandomness? randomness = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "nym-keystore",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddServiceDefaults(KeyStoreServiceExtensions.MeterName);
        // Quiet framework logs, set here rather than in an appsettings.json: nym-client references this project to
        // host the service, and a second appsettings.json would collide with its own in the output.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);

        builder.ListenOnHttpAndGrpc(options.Bind, options.HttpPort, options.GrpcPort);
        if (randomness is not null)
        {
            builder.Services.AddSingleton(randomness);
        }

        builder.Services.AddKeyStore(options.KeyStore);
        var app = builder.Build();
        app.MapKeyStore();
        app.MapDefaultEndpoints();
        return app;
    }
}
