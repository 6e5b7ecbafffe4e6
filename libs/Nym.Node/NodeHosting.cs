using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Node.Mixnet;
using Nym.Node.Topology;
using Nym.Sphinx;
using Nym.Topology.V1;

namespace Nym.Node;

/// <summary>
/// Puts a node together in a host. A mix node and a gateway both call <see cref="AddNodeMixnet"/> (listener,
/// workers, replay filter, delay queue, links, metrics) and <see cref="AddTopologyRegistration"/>, register their
/// own <see cref="ISphinxHopHandler"/>, and open the mix port with <see cref="ListenMix"/>.
/// </summary>
public static class NodeHosting
{
    /// <summary>
    /// The shared packet path. The caller registers an <see cref="ISphinxHopHandler"/> (a mix node forwards through
    /// <see cref="HopForwarder"/>, a gateway delivers). <paramref name="meterName"/>: <c>Nym.MixNode</c> or <c>Nym.Gateway</c>.
    /// </summary>
    public static IServiceCollection AddNodeMixnet(this IServiceCollection services, NodeConfig config, NodeKeys keys, string meterName)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(keys);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ReplayFilterOptions());
        services.TryAddSingleton(MixLinkOptions.From(config.Forwarding));
        services.TryAddSingleton(new MixListenerOptions());
        services.AddSingleton(sp => new NodeMetrics(meterName, sp.GetService<IMeterFactory>()));
        services.AddSingleton<ReplayFilter>();
        services.AddSingleton<MixLinks>();
        services.AddSingleton(sp =>
        {
            var links = sp.GetRequiredService<MixLinks>();
            return new DelayQueue((nextHop, packet) => links.TrySend(nextHop, packet), sp.GetRequiredService<NodeMetrics>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new HopForwarder(
            sp.GetRequiredService<MixLinks>(), sp.GetRequiredService<DelayQueue>(), sp.GetRequiredService<NodeMetrics>(),
            sp.GetRequiredService<TimeProvider>(), config.Forwarding.MaximumPacketDelay));
        services.AddSingleton(_ => new SphinxProcessor(keys.Sphinx.PrivateKey));
        services.AddSingleton(sp => new SphinxWorkers(
            sp.GetRequiredService<SphinxProcessor>(), sp.GetRequiredService<ReplayFilter>(), sp.GetRequiredService<ISphinxHopHandler>(),
            sp.GetRequiredService<NodeMetrics>()));
        services.AddSingleton<IMixPacketSink>(sp => sp.GetRequiredService<SphinxWorkers>());
        services.AddSingleton<MixConnectionHandler>();
        services.AddHostedService<NodeLifetime>();
        return services;
    }

    /// <summary>Registration with the Topology service at <see cref="NodeConfig.TopologyUrl"/>, as a hosted service.</summary>
    public static IServiceCollection AddTopologyRegistration(this IServiceCollection services, NodeConfig config, NodeKeys keys)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(keys);
        var url = new Uri(config.TopologyUrl);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new TopologyRegistrationOptions { TopologyUrl = url });
        // Our own loop retries with backoff and logs once per change of state; a resilience handler added by the
        // service defaults would retry underneath it and log every attempt.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt one client out.
        services.AddGrpcClient<TopologyService.TopologyServiceClient>(o => o.Address = url).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddSingleton(sp => new TopologyRegistration(
            sp.GetRequiredService<TopologyService.TopologyServiceClient>(), RegistrationSigning.Describe(config, keys), keys.Identity,
            sp.GetRequiredService<TopologyRegistrationOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TopologyRegistration>>()));
        services.AddHostedService(sp => sp.GetRequiredService<TopologyRegistration>());

        // Degraded (still HTTP 200) while the directory does not list the node: it works, but nobody routes to it.
        services.AddHealthChecks().AddCheck<RegistrationHealthCheck>(
            "registration", HealthStatus.Degraded, timeout: ServiceDefaultsTimeout);
        return services;
    }

    /// <summary>The health check timeout of DESIGN.md's conventions (ServiceDefaults uses the same).</summary>
    private static readonly TimeSpan ServiceDefaultsTimeout = TimeSpan.FromSeconds(5);

    private sealed class RegistrationHealthCheck(TopologyRegistration registration) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(registration.State == RegistrationState.Registered
                ? HealthCheckResult.Healthy("listed by the Topology service")
                : new HealthCheckResult(context.Registration.FailureStatus, $"not listed by the Topology service ({registration.State})"));
    }

    /// <summary>
    /// The web host both node kinds start from: its HTTP port (/health, /alive), any <paramref name="extraPorts"/> (a
    /// gateway's clients port), the mix port, a 10 s shutdown, and quiet logs. The service adds its service defaults
    /// and its own services.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string applicationName, NodeConfig config, params int[] extraPorts)
    {
        ArgumentNullException.ThrowIfNull(config);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = applicationName, ContentRootPath = AppContext.BaseDirectory });

        // Registration logs its own state changes; the gRPC and HTTP client logs would repeat each failed attempt.
        // ASP.NET's per-request lines would log every health probe.
        builder.Logging.AddFilter("Grpc.Net.Client", LogLevel.Warning).AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(config.BindAddress, config.HttpPort);
            foreach (int port in extraPorts)
            {
                kestrel.Listen(config.BindAddress, port);
            }

            kestrel.ListenMix(config);
        });
        return builder;
    }

    /// <summary>Opens the mix port (<see cref="NodeConfig.Bind"/>:<see cref="NodeConfig.MixPort"/>) with the frame listener.</summary>
    public static KestrelServerOptions ListenMix(this KestrelServerOptions kestrel, NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(config);
        kestrel.Listen(config.BindAddress, config.MixPort, listen => listen.UseConnectionHandler<MixConnectionHandler>());
        return kestrel;
    }

    /// <summary>
    /// Starts the workers. A graceful stop (SIGTERM, SIGINT) runs in the host's three phases so that the order holds
    /// whatever order the services were added in: while stopping, stop accepting (the server), process what was
    /// received, release the delayed packets that are due (dropping the others); then every service stops, which is
    /// when <see cref="TopologyRegistration"/> deregisters; once all have stopped, the links write what they hold and
    /// close.
    /// </summary>
    private sealed class NodeLifetime(IServiceProvider services) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<SphinxWorkers>().Start();
            return Task.CompletedTask;
        }

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            if (services.GetService<IServer>() is { } server)
            {
                await server.StopAsync(cancellationToken).ConfigureAwait(false);
            }

            await services.GetRequiredService<SphinxWorkers>().DisposeAsync().ConfigureAwait(false);
            services.GetRequiredService<DelayQueue>().Dispose();
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StoppedAsync(CancellationToken cancellationToken) =>
            await services.GetRequiredService<MixLinks>().DisposeAsync().ConfigureAwait(false);
    }
}
