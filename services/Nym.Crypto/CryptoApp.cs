using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Nym.Crypto;

/// <summary>The exe's two Kestrel endpoints, readable once the app has started (with port 0, Kestrel picks the port).</summary>
public sealed class CryptoEndpoints
{
    internal ListenOptions? HttpListener { get; set; }

    internal ListenOptions? GrpcListener { get; set; }

    /// <summary>HTTP/1.1: /health and /alive.</summary>
    public Uri Http => ToUri(HttpListener);

    /// <summary>HTTP/2 without TLS (h2c): CryptoService.</summary>
    public Uri Grpc => ToUri(GrpcListener);

    private static Uri ToUri(ListenOptions? listener) =>
        listener?.IPEndPoint is { } endPoint
            ? new UriBuilder("http", endPoint.Address.ToString(), endPoint.Port).Uri
            : throw new InvalidOperationException("The endpoints are known once the app has started.");
}

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

        var endpoints = new CryptoEndpoints();
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
        builder.Services.AddCrypto(options.Service, topology);
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapCrypto();
        app.MapDefaultEndpoints();
        return app;
    }
}
