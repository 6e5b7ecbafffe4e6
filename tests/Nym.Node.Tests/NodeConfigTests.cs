using Nym.Node.Config;
using Xunit;

namespace Nym.Node.Tests;

public sealed class NodeConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nym-node-config-").FullName;

    private string ConfigPath => Path.Combine(_directory, "config", "config.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Defaults_are_nyms()
    {
        var config = new NodeConfig { Kind = NodeKind.Gateway, Id = "gw" };

        Assert.Equal(1789, config.MixPort);
        Assert.Equal(8000, config.HttpPort);
        Assert.Equal(9000, config.ClientsPort);
        Assert.Equal("1.0.1", config.Version);
        Assert.Equal("http://127.0.0.1:8081", config.TopologyUrl);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), config.Forwarding.InitialConnectionTimeout);
        Assert.Equal(128, config.Forwarding.MaximumConnectionBufferSize);
        Assert.Equal(TimeSpan.FromSeconds(10), config.Forwarding.InitialReconnectionBackoff);
        Assert.Null(config.Validate());
    }

    [Theory]
    [InlineData(NodeKind.MixNode)]
    [InlineData(NodeKind.Gateway)]
    public void A_config_round_trips_with_its_kinds_settings_and_unknown_tables(NodeKind kind)
    {
        var extra = new Tomlyn.Model.TomlTable { ["storage"] = new Tomlyn.Model.TomlTable { ["inbox"] = "inbox.sqlite" } };
        var config = new NodeConfig
        {
            Kind = kind, Id = "node-1", Host = "mix.example", Bind = "0.0.0.0", MixPort = 1800, HttpPort = 8001,
            TopologyUrl = "http://topology:9", Location = "Lisbon", Layer = kind == NodeKind.MixNode ? 3 : 0,
            ClientsPort = kind == NodeKind.Gateway ? 9100 : NodeConfig.DefaultClientsPort,
            Forwarding = new ForwardingSettings { InitialReconnectionBackoff = TimeSpan.FromMilliseconds(20), MaximumPacketDelay = TimeSpan.FromSeconds(3) },
            Extra = extra,
        };

        NodeConfigFile.Save(config, ConfigPath);

        Assert.True(NodeConfigFile.TryLoad(ConfigPath, kind, out var loaded, out var error), error);
        Assert.Equal(config with { Extra = loaded!.Extra }, loaded);
        var storage = Assert.IsType<Tomlyn.Model.TomlTable>(loaded.Extra["storage"]);
        Assert.Equal("inbox.sqlite", storage["inbox"]);
        var text = File.ReadAllText(ConfigPath);
        Assert.Contains(kind == NodeKind.MixNode ? "[mixnode]" : "[gateway]", text, StringComparison.Ordinal);
        Assert.Equal(kind == NodeKind.Gateway, text.Contains("clients_port", StringComparison.Ordinal));
        Assert.Equal(kind == NodeKind.MixNode, text.Contains("layer", StringComparison.Ordinal));
    }

    [Fact]
    public void Command_line_beats_environment_beats_file_beats_defaults()
    {
        File.WriteAllText(Path.Combine(_directory, "c.toml"), "[mixnode]\nid = \"m\"\nlayer = 1\nmix_port = 1111\nhttp_api_port = 2222\nannounce_address = \"file.host\"\n");
        Assert.True(NodeConfigFile.TryLoad(Path.Combine(_directory, "c.toml"), NodeKind.MixNode, out var fromFile, out var error), error);
        var environment = new Dictionary<string, string> { ["NYM_MIX_PORT"] = "3333", ["NYM_HOST"] = "env.host", ["NYM_LAYER"] = "2" };
        Assert.True(NodeOverrides.TryFromEnvironment(name => environment.GetValueOrDefault(name), out var fromEnvironment, out error), error);

        var config = fromFile!.With(fromEnvironment).With(new NodeOverrides(Host: "cli.host"));

        Assert.Equal("cli.host", config.Host);       // command line
        Assert.Equal(3333, config.MixPort);          // environment over file
        Assert.Equal(2, config.Layer);               // environment over file
        Assert.Equal(2222, config.HttpPort);         // file over default
        Assert.Equal(NodeConfig.DefaultTopologyUrl, config.TopologyUrl); // default
    }

    [Fact]
    public void A_bad_number_in_the_environment_names_the_variable()
    {
        Assert.False(NodeOverrides.TryFromEnvironment(name => name == "NYM_HTTP_PORT" ? "80a" : null, out _, out var error));
        Assert.Contains("NYM_HTTP_PORT", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[mixnode\nid = 1", "not valid TOML")]
    [InlineData("[mixnode]\nid = \"m\"\nmix_port = \"x\"", "mix_port must be an integer")]
    [InlineData("[gateway]\nid = \"m\"", "no [mixnode] table")]
    public void A_damaged_config_is_an_error_naming_the_file(string text, string reason)
    {
        File.WriteAllText(Path.Combine(_directory, "bad.toml"), text);

        Assert.False(NodeConfigFile.TryLoad(Path.Combine(_directory, "bad.toml"), NodeKind.MixNode, out var config, out var error));
        Assert.Null(config);
        Assert.StartsWith(Path.Combine(_directory, "bad.toml") + ":", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x", null, null, null, "not a valid node id")]
    [InlineData("m", 4, null, null, "layer 4")]
    [InlineData("m", 0, null, null, "needs a layer")]
    [InlineData("m", 1, 70000, null, "70000")]
    [InlineData("m", 1, 8000, null, "ports must differ")]
    [InlineData("m", 1, null, "ftp://x", "topology URL")]
    public void Validation_says_what_is_wrong(string id, int? layer, int? mixPort, string? topology, string expected)
    {
        var config = new NodeConfig { Kind = NodeKind.MixNode, Id = id, Layer = layer ?? 1 }
            .With(new NodeOverrides(MixPort: mixPort, TopologyUrl: topology, Layer: layer));

        Assert.Contains(expected, config.Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Home_is_nym_home_or_dot_nym_and_node_directories_follow_nym()
    {
        Assert.Equal(Path.GetFullPath("/srv/nym"), NymHome.Resolve(name => name == "NYM_HOME" ? "/srv/nym" : null));
        Assert.EndsWith(".nym", NymHome.Resolve(_ => null), StringComparison.Ordinal);

        var paths = NymHome.NodePaths("/h", NodeKind.Gateway, "gw");
        Assert.Equal(Path.Combine("/h", "gateways", "gw", "config", "config.toml"), paths.ConfigFile);
        Assert.Equal(Path.Combine("/h", "gateways", "gw", "data"), paths.DataDirectory);
        Assert.Throws<ArgumentException>(() => NymHome.NodePaths("/h", NodeKind.MixNode, ".."));
    }
}
