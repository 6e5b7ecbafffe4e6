using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Nym.KeyStore;

/// <summary>The two Kestrel endpoints, readable once the app has started (with port 0, Kestrel picks the port).</summary>
internal sealed class ServiceEndpoints
{
    internal ListenOptions? HttpListener { get; set; }

    internal ListenOptions? GrpcListener { get; set; }

    /// <summary>HTTP/1.1: /health and /alive.</summary>
    public Uri Http => ToUri(HttpListener);

    /// <summary>HTTP/2 without TLS (h2c): the gRPC KeyStoreService.</summary>
    public Uri Grpc => ToUri(GrpcListener);

    private static Uri ToUri(ListenOptions? listener) =>
        listener?.IPEndPoint is { } endPoint
            ? new UriBuilder("http", endPoint.Address.ToString(), endPoint.Port).Uri
            : throw new InvalidOperationException("The endpoints are known once the app has started.");
}

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
