extern alias nymapi;
using System.Net;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using nymapi::Nym.Topology;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>Registrations live in &lt;data-dir&gt;/topology.sqlite and survive a restart of the service.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task Nodes_and_their_replay_protection_survive_a_restart()
    {
        using var dataDirectory = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var mixNode = new TestNode();
        var gateway = new TestNode();
        var registration = mixNode.Register(mixNode.MixNode(2, time.GetUtcNow()));
        ulong revisionBefore;
        await using (var first = await ServiceHost.StartAsync(dataDirectory.Path, time))
        {
            await first.RegisterAsync(registration);
            await first.RegisterAsync(gateway.Register(gateway.Gateway(time.GetUtcNow())));
            revisionBefore = (await first.GetTopologyAsync()).Revision;
        }

        Assert.True(File.Exists(Path.Combine(dataDirectory.Path, "topology.sqlite")));
        time.Advance(TimeSpan.FromSeconds(5));
        await using var second = await ServiceHost.StartAsync(dataDirectory.Path, time);

        var topology = await second.GetTopologyAsync();
        Assert.Equal(mixNode.IdentityKey, Assert.Single(topology.MixNodes).IdentityKey);
        Assert.Equal(gateway.IdentityKey, Assert.Single(topology.Gateways).IdentityKey);
        Assert.True(topology.Revision > revisionBefore);
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => second.RegisterAsync(registration));

        // The TTL still counts from the registration before the restart.
        time.Advance(ServiceHost.DefaultTtl - TimeSpan.FromSeconds(5));
        Assert.Empty((await second.GetTopologyAsync()).MixNodes);
        Assert.Contains(mixNode.IdentityBase58, System.Text.Encoding.UTF8.GetString(await second.GetJsonAsync("/v1/mixnodes")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deregistration_survives_a_restart()
    {
        using var dataDirectory = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var node = new TestNode();
        var registration = node.Register(node.MixNode(1, time.GetUtcNow()));
        await using (var first = await ServiceHost.StartAsync(dataDirectory.Path, time))
        {
            await first.RegisterAsync(registration);
            time.Advance(TimeSpan.FromSeconds(1));
            await first.DeregisterAsync(node.Deregister(time.GetUtcNow()));
        }

        await using var second = await ServiceHost.StartAsync(dataDirectory.Path, time);

        Assert.Empty((await second.GetTopologyAsync()).MixNodes);
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => second.RegisterAsync(registration));
    }

    [Fact]
    public void A_data_directory_that_cannot_be_created_stops_the_start_with_its_reason()
    {
        using var dataDirectory = new TempDirectory();
        var aFile = Path.Combine(dataDirectory.Path, "a-file");
        File.WriteAllText(aFile, "");

        var e = Assert.Throws<TopologyStartupException>(() => Build(Path.Combine(aFile, "nym-api")));

        Assert.Contains("cannot use the data directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_from_a_newer_schema_is_not_touched()
    {
        using var dataDirectory = new TempDirectory();
        var path = Path.Combine(dataDirectory.Path, "topology.sqlite");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var e = Assert.Throws<TopologyStartupException>(() => Build(dataDirectory.Path));

        Assert.Contains("schema version 99", e.Message, StringComparison.Ordinal);
    }

    private static void Build(string dataDirectory) =>
        TopologyApp.Build(new TopologyOptions(IPAddress.Loopback, 0, 0, dataDirectory, ServiceHost.DefaultTtl), TimeProvider.System);
}
