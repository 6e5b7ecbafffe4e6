using Microsoft.Extensions.DependencyInjection;
using Nym.Node.Topology;
using Xunit;

namespace Nym.MixNode.Tests;

/// <summary>
/// The registration hosted service against the in-test Topology service (<see cref="FakeTopologyService"/>), which
/// checks both signature formats; the whole-application tests will run it against the real service.
/// </summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task A_node_re_announces_at_a_third_of_the_ttl_and_deregisters_on_a_graceful_stop()
    {
        await using var topology = await FakeTopology.StartAsync(ttl: TimeSpan.FromMilliseconds(1500));
        var node = await RunningNode.StartAsync(2, topology.Url, services => services.AddSingleton(new TopologyRegistrationOptions
        {
            TopologyUrl = new Uri(topology.Url),
            MinimumReannounceInterval = TimeSpan.FromMilliseconds(100),
        }));

        // A TTL of 1.5 s means a re-announcement every 0.5 s.
        await Eventually.TrueAsync(() => topology.Service.Registrations.Count >= 3, "three announcements");
        Assert.True(topology.Service.Registrations.Count <= 6, "re-announced far more often than a third of the TTL");
        Assert.Empty(topology.Service.Deregistrations);
        var registration = node.Registration;

        await node.DisposeAsync();

        var deregistration = Assert.Single(topology.Service.Deregistrations);
        Assert.True(deregistration.IdentityKey.Span.SequenceEqual(node.Keys.Identity.PublicKey.AsReadOnlySpan()));
        Assert.Equal(RegistrationState.Deregistered, registration.State);
    }

    [Fact]
    public async Task A_node_keeps_trying_while_the_topology_service_is_unreachable_and_registers_once_it_is_up()
    {
        int port = Ports.Free();
        var url = $"http://127.0.0.1:{port}";
        await using var node = await RunningNode.StartAsync(1, url, services => services.AddSingleton(new TopologyRegistrationOptions
        {
            TopologyUrl = new Uri(url),
            RetryInitialDelay = TimeSpan.FromMilliseconds(50),
            RetryMaximumDelay = TimeSpan.FromMilliseconds(200),
        }));

        await Eventually.TrueAsync(() => node.Registration.State == RegistrationState.Unreachable, "the unreachable state");
        Assert.Equal(0, node.Registration.Registrations);

        await using var topology = await FakeTopology.StartAsync(TimeSpan.FromMinutes(5), port);

        await Eventually.TrueAsync(() => node.Registration.State == RegistrationState.Registered, "the registration");
        Assert.Single(topology.Service.Registrations);
    }

    [Fact]
    public async Task A_refused_node_says_so_and_does_not_deregister()
    {
        await using var topology = await FakeTopology.StartAsync(TimeSpan.FromMinutes(5));
        topology.Service.RefuseAll = true;
        var node = await RunningNode.StartAsync(3, topology.Url);
        var registration = node.Registration;
        await Eventually.TrueAsync(() => registration.State == RegistrationState.Refused, "the refused state");

        await node.DisposeAsync();

        Assert.Empty(topology.Service.Deregistrations);
        Assert.Equal(0, registration.Registrations);
    }
}
