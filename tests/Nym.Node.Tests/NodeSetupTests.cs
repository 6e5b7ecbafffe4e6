using System.Net;
using System.Net.Sockets;
using Nym.Node.Config;
using Xunit;

namespace Nym.Node.Tests;

public sealed class NodeSetupTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("nym-node-setup-").FullName;
    private readonly Dictionary<string, string> _environment = [];

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private NodeSetup Setup(NodeKind kind) => new(kind, _home, name => _environment.GetValueOrDefault(name));

    [Fact]
    public void Init_writes_a_node_that_load_reads_back_with_the_environment_and_command_line_on_top()
    {
        var (created, keys, paths) = Setup(NodeKind.Gateway).Init("gw", new NodeOverrides(ClientsPort: 9100));
        Assert.Equal(Path.Combine(_home, "gateways", "gw"), paths.Root);
        Assert.Equal(9100, created.ClientsPort);

        _environment["NYM_CLIENTS_PORT"] = "9200";
        _environment["NYM_HTTP_PORT"] = "8100";
        var (loaded, loadedKeys) = Setup(NodeKind.Gateway).Load("gw", new NodeOverrides(HttpPort: 8200));

        Assert.Equal(9200, loaded.ClientsPort);
        Assert.Equal(8200, loaded.HttpPort);
        Assert.Equal(keys.Identity.PublicKey, loadedKeys.Identity.PublicKey);
    }

    [Fact]
    public void Init_never_overwrites_a_node()
    {
        Setup(NodeKind.MixNode).Init("m", new NodeOverrides(Layer: 1));

        var e = Assert.Throws<NodeSetupException>(() => Setup(NodeKind.MixNode).Init("m", new NodeOverrides(Layer: 2)));
        Assert.Contains("already initialised", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_before_init_says_how_to_init()
    {
        var e = Assert.Throws<NodeSetupException>(() => Setup(NodeKind.MixNode).Load("m", NodeOverrides.None));

        Assert.Contains("nym-mixnode init --id m --layer <1|2|3>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_busy_port_is_named()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var config = new NodeConfig { Kind = NodeKind.Gateway, Id = "gw", HttpPort = TestPackets.FreePort(), MixPort = TestPackets.FreePort(), ClientsPort = port };

        var e = Assert.Throws<NodeSetupException>(() => NodeSetup.EnsurePortsFree(config));

        Assert.Contains($"clients port 127.0.0.1:{port} is already in use", e.Message, StringComparison.Ordinal);
        NodeSetup.EnsurePortsFree(config with { ClientsPort = TestPackets.FreePort() });
    }
}
