using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using System.Security.Cryptography;

namespace Nym.KeyStore;

/// <summary>
/// Hosting the KeyStore in any ASP.NET Core app: the nym-keystore exe (<see cref="KeyStoreApp"/>) and nym-client in
/// standalone mode, which serves it on a private loopback endpoint (DESIGN.md "Standalone mode"). The host's own
/// Kestrel setup decides where it listens; it needs HTTP/2 for gRPC.
/// </summary>
public static class KeyStoreServiceExtensions
{
    /// <summary>The service's meter; pass it to AddServiceDefaults so that its counters reach the dashboard.</summary>
    public const string MeterName = "Nym.KeyStore";

    /// <summary>Largest request accepted: 10,000 reply keys of 48 bytes each plus their framing fit with room to spare.</summary>
    private const int MaxReceiveMessageSize = 1024 * 1024;

    /// <summary>Registers the KeyStore's services; every call to it will need <see cref="KeyStoreOptions.ServiceToken"/>.</summary>
    /// <exception cref="ArgumentException">the options are not valid (the message says which one and why).</exception>
    public static IServiceCollection AddKeyStore(this IServiceCollection services, KeyStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton<KeyRandomness>(RandomNumberGenerator.GetBytes);
        services.AddSingleton(sp => KeyStoreDatabase.Open(options, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<KeyCustody>();
        services.AddSingleton<KeyStoreMetrics>();
        services.AddGrpc().AddServiceOptions<KeyStoreGrpcService>(grpc =>
        {
            grpc.MaxReceiveMessageSize = MaxReceiveMessageSize;
        });
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("keystore", timeout: ServiceDefaultsExtensions.HealthCheckTimeout);
        return services;
    }

    /// <summary>
    /// Maps the gRPC KeyStoreService, every call checked for the service token before its request is read. Opens the database now, so that a home that cannot be used stops the start
    /// with a <see cref="KeyStoreStartupException"/> saying why, rather than failing the first call.
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder MapKeyStore(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _ = endpoints.ServiceProvider.GetRequiredService<KeyStoreDatabase>();
        var metrics = endpoints.ServiceProvider.GetRequiredService<KeyStoreMetrics>();
        // Only this service's endpoints: a host serving other gRPC services keeps its own rules for them.
        return endpoints.MapGrpcService<KeyStoreGrpcService>()
            .RequireServiceToken(endpoints.ServiceProvider.GetRequiredService<KeyStoreOptions>().ServiceToken, metrics.Unauthenticated);
    }

    private sealed class DatabaseHealthCheck(KeyStoreDatabase database) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return Task.FromResult(database.IsReadable() ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the KeyStore database does not answer"));
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("the KeyStore database failed", e));
            }
        }
    }
}
