using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Nym.Client.Core;
using Nym.Crypto;
using Nym.KeyStore;
using Nym.Protocol.Topology;

namespace Nym.Client.Hosting;

/// <summary>
/// The client's KeyStore and crypto service: the shared ones named by NYM_KEYSTORE / NYM_CRYPTO or config.toml's
/// [services], or, when none is named, both hosted in this process (DESIGN.md "Standalone mode").
/// </summary>
internal abstract class ServicesLease : IAsyncDisposable
{
    public abstract ClientServices Services { get; }

    public abstract ValueTask DisposeAsync();

    public sealed class Shared(ClientServices services) : ServicesLease
    {
        public override ClientServices Services => services;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// Standalone mode: the same KeyStore and crypto service classes and gRPC contracts as nym-keystore and nym-crypto, on
/// a private loopback endpoint (HTTP/2) with a random token. The crypto service reads the topology from the validator
/// API URLs through the core's <see cref="ValidatorApiTopology"/>.
/// </summary>
internal sealed class LocalServices : ServicesLease
{
    private readonly WebApplication _app;
    private readonly ValidatorApiTopology _topology;

    private LocalServices(WebApplication app, ValidatorApiTopology topology, ClientServices services)
    {
        _app = app;
        _topology = topology;
        Services = services;
    }

    public override ClientServices Services { get; }

    /// <param name="readTopology">read the topology now (run), or leave the crypto service without one (init needs only the KeyStore).</param>
    public static async Task<LocalServices> StartAsync(
        string home, IReadOnlyList<Uri> validators, TimeSpan topologyRefresh, bool readTopology, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var topology = new ValidatorApiTopology(validators, topologyRefresh, TimeProvider.System, loggers.CreateLogger<ValidatorApiTopology>());
        try
        {
            if (readTopology)
            {
                await topology.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            string token = ServiceToken.Generate();
            // The crypto service's KeyStore client is configured before Kestrel binds, so the port is chosen first.
            int port = FreeLoopbackPort();
            var url = new Uri($"http://127.0.0.1:{port}");
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "nym-client-services", ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggers);
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
            builder.Services.AddKeyStore(new KeyStoreOptions(home, token));
            builder.Services.AddCrypto(new CryptoOptions { KeyStoreUrl = url, ServiceToken = token }, new TopologySource(topology));
            var app = builder.Build();
            try
            {
                app.MapKeyStore();
                app.MapCrypto();
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (KeyStoreStartupException e)
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw new ClientSetupException(e.Message);
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return new LocalServices(app, topology, new ClientServices(url, url, token));
        }
        catch
        {
            await topology.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _topology.DisposeAsync().ConfigureAwait(false);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class TopologySource(ValidatorApiTopology topology) : ITopologySource
    {
        public NymTopology? Current => topology.Current;
    }
}
