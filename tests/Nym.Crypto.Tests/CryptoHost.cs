using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nym.Crypto.V1;
using Nym.Protocol.Topology;
using Xunit;

namespace Nym.Crypto.Tests;

/// <summary>A topology the test sets: none at first, as before nym-api lists anything.</summary>
internal sealed class FixedTopology(NymTopology? topology = null) : ITopologySource
{
    public NymTopology? Current { get; set; } = topology;
}

/// <summary>The crypto service's real web application (<see cref="CryptoApp.Build"/>) on free loopback ports, called over gRPC.</summary>
internal sealed class CryptoHost : IAsyncDisposable
{
    public const string Token = "crypto-tests-service-token-0123456789";

    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private CryptoHost(WebApplication app)
    {
        _app = app;
        _channel = GrpcChannel.ForAddress(Endpoints.Grpc, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        Client = new CryptoService.CryptoServiceClient(_channel.CreateCallInvoker().WithServiceToken(Token));
        Anonymous = new CryptoService.CryptoServiceClient(_channel);
    }

    public ServiceEndpoints Endpoints => _app.Services.GetRequiredService<ServiceEndpoints>();

    /// <summary>Calls with the deployment's token.</summary>
    public CryptoService.CryptoServiceClient Client { get; }

    /// <summary>Calls without a token.</summary>
    public CryptoService.CryptoServiceClient Anonymous { get; }

    public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    /// <param name="topology">a fixed topology, or null to watch nym-api at <paramref name="topologyUrl"/> as the exe does.</param>
    public static async Task<CryptoHost> StartAsync(
        Uri keyStore, ITopologySource? topology, int maxMessageLength = CryptoOptions.DefaultMaxMessageLength, Uri? topologyUrl = null)
    {
        var options = new CryptoHostOptions(IPAddress.Loopback, 0, 0, new CryptoOptions
        {
            KeyStoreUrl = keyStore, TopologyUrl = topologyUrl, ServiceToken = Token, MaxMessageLength = maxMessageLength,
        });
        var app = CryptoApp.Build(options, topology, services =>
        {
            if (Environment.GetEnvironmentVariable("NYM_TEST_LOGS") is not { Length: > 0 })
            {
                services.RemoveAll<ILoggerProvider>();
            }
        });
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new CryptoHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

internal static class Rpc
{
    /// <summary>The status a call fails with; fails the test when it succeeds.</summary>
    public static async Task<Status> FailureAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        return e.Status;
    }
}
