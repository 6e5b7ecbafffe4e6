using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Nym.KeyStore.V1;
using Nym.Topology.V1;

namespace Nym.Crypto;

/// <summary>
/// How any host serves the crypto service: the nym-crypto exe (<see cref="CryptoApp"/>) and nym-client's standalone
/// mode register the same classes and map the same gRPC contract (DESIGN.md "Standalone mode").
/// </summary>
public static class CryptoHosting
{
    /// <summary>
    /// Registers the service, its KeyStore client (with the service token) and its topology: <paramref name="topology"/>
    /// when given, else a watcher of nym-api at <see cref="CryptoOptions.TopologyUrl"/>.
    /// </summary>
    public static IServiceCollection AddCrypto(this IServiceCollection services, CryptoOptions options, ITopologySource? topology = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<CryptoMetrics>();
        services.AddSingleton<ClientKeyCache>();
        // Per service, not global: nym-client hosts other gRPC services in the same process.
        services.AddGrpc().AddServiceOptions<CryptoGrpcService>(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxMessageLength + 64 * 1024;
        });

        // Unary calls with their own deadlines: the service defaults' resilience handler (if any) may retry them.
        services.AddGrpcClient<KeyStoreService.KeyStoreServiceClient>(o => o.Address = options.KeyStoreUrl)
            .ConfigureGrpcClientCreator(invoker => new KeyStoreService.KeyStoreServiceClient(invoker.WithServiceToken(options.ServiceToken)));

        if (topology is not null)
        {
            services.AddSingleton(topology);
        }
        else
        {
            var url = options.TopologyUrl
                ?? throw new ArgumentException("Without a topology source, CryptoOptions.TopologyUrl must name nym-api's gRPC endpoint.", nameof(options));
            // A watch is one long stream with its own reconnection: the resilience handler's total timeout would cut it.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt one client out.
            services.AddGrpcClient<TopologyService.TopologyServiceClient>(o => o.Address = url).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
            services.AddSingleton<TopologyWatcher>();
            services.AddSingleton<ITopologySource>(sp => sp.GetRequiredService<TopologyWatcher>());
            services.AddHostedService(sp => sp.GetRequiredService<TopologyWatcher>());
        }

        // Degraded (still HTTP 200) without a topology: the service answers, but cannot prepare packets yet.
        services.AddHealthChecks().AddCheck<TopologyHealthCheck>("topology", HealthStatus.Degraded, timeout: ServiceDefaultsExtensions.HealthCheckTimeout);
        return services;
    }

    /// <summary>Maps CryptoService, every call checked for the service token before its request is read.</summary>
    public static IEndpointRouteBuilder MapCrypto(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<CryptoOptions>();
        endpoints.MapGrpcService<CryptoGrpcService>().RequireServiceToken(options.ServiceToken);
        return endpoints;
    }

    private sealed class TopologyHealthCheck(ITopologySource topology) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(topology.Current is not null
                ? HealthCheckResult.Healthy("a usable topology")
                : new HealthCheckResult(context.Registration.FailureStatus, "no usable topology yet"));
    }
}
