using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nym.Crypto;
using Nym.KeyStore;
using Nym.Protocol.Topology;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>The crypto service's topology: the client core's own validator-API reader, as in standalone mode.</summary>
internal sealed class ValidatorTopologySource(ValidatorApiTopology topology) : ITopologySource
{
    public NymTopology? Current => topology.Current;
}

/// <summary>
/// The real KeyStore and crypto service (<c>AddKeyStore</c>/<c>MapKeyStore</c>, <c>AddCrypto</c>/<c>MapCrypto</c>)
/// in one web application on a free loopback port speaking gRPC over HTTP/2 without TLS, with a temporary home, the
/// crypto service reading the test network's topology from nym-api's JSON.
/// </summary>
internal sealed class ClientServicesHost : IAsyncDisposable
{
    public const string Token = "client-core-tests-service-token-0123456789";

    private readonly TempDirectory _home;
    private readonly ValidatorApiTopology _topology;
    private readonly WebApplication _app;

    private ClientServicesHost(TempDirectory home, ValidatorApiTopology topology, WebApplication app, Uri url)
    {
        _home = home;
        _topology = topology;
        _app = app;
        Services = new ClientServices(url, url, Token);
    }

    public ClientServices Services { get; }

    public string Home => _home.Path;

    public static async Task<ClientServicesHost> StartAsync(Network network)
    {
        var home = new TempDirectory("nym-client-core-tests-");
        var topology = new ValidatorApiTopology([network.Topology.HttpUri], TimeSpan.FromSeconds(2), TimeProvider.System, NullLogger.Instance);
        int port = Ports.Free();
        var url = new Uri($"http://127.0.0.1:{port}");
        var builder = WebApplication.CreateSlimBuilder();
        if (Environment.GetEnvironmentVariable("NYM_TEST_LOGS") is not { Length: > 0 })
        {
            builder.Logging.ClearProviders();
        }

        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddKeyStore(new KeyStoreOptions(home.Path, Token));
        builder.Services.AddCrypto(new CryptoOptions { KeyStoreUrl = url, ServiceToken = Token }, new ValidatorTopologySource(topology));
        var app = builder.Build();
        app.MapKeyStore();
        app.MapCrypto();
        try
        {
            await topology.StartAsync(TestContext.Current.CancellationToken);
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            await topology.DisposeAsync();
            home.Dispose();
            throw;
        }

        return new ClientServicesHost(home, topology, app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        await _topology.DisposeAsync();
        _home.Dispose();
    }
}
