using System.Text.Json;
using Nym.Protocol.Encoding;
using Nym.Protocol.Topology;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>The validator-API JSON of nym-mixnet.md §7, as a Nym 1.0.1 client reads it.</summary>
public sealed class ValidatorApiTests : IAsyncLifetime
{
    private readonly TempDirectory _dataDirectory = new();
    private readonly TestNode[] _mixNodes = [new(), new(), new()];
    private readonly TestNode _gateway = new();
    private ServiceHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await ServiceHost.StartAsync(_dataDirectory.Path);
        var now = _host.Time.GetUtcNow();
        for (int i = 0; i < 3; i++)
        {
            await _host.RegisterAsync(_mixNodes[i].Register(_mixNodes[i].MixNode((uint)i + 1, now, $"127.0.0.{i + 1}", 1789)));
        }

        await _host.RegisterAsync(_gateway.Register(_gateway.Gateway(now, "127.0.0.9", 1790, 9000)));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dataDirectory.Dispose();
    }

    [Fact]
    public async Task Mix_node_bonds_have_the_fields_of_the_validator_api()
    {
        using var json = JsonDocument.Parse(await _host.GetJsonAsync("/v1/mixnodes/active"));

        Assert.Equal(3, json.RootElement.GetArrayLength());
        foreach (var bond in json.RootElement.EnumerateArray())
        {
            Assert.Equal(
                ["pledge_amount", "total_delegation", "owner", "layer", "block_height", "mix_node", "proxy", "accumulated_rewards"],
                Names(bond));
            Assert.Equal(["denom", "amount"], Names(bond.GetProperty("pledge_amount")));
            Assert.Equal("unym", bond.GetProperty("pledge_amount").GetProperty("denom").GetString());
            Assert.Equal(JsonValueKind.String, bond.GetProperty("total_delegation").GetProperty("amount").ValueKind);
            Assert.Equal("n1nymaspire", bond.GetProperty("owner").GetString());
            Assert.Equal(JsonValueKind.Null, bond.GetProperty("proxy").ValueKind);

            var node = bond.GetProperty("mix_node");
            Assert.Equal(
                ["host", "mix_port", "verloc_port", "http_api_port", "sphinx_key", "identity_key", "version", "profit_margin_percent"],
                Names(node));
            int layer = bond.GetProperty("layer").GetInt32();
            var expected = _mixNodes[layer - 1];
            Assert.Equal(expected.IdentityBase58, node.GetProperty("identity_key").GetString());
            Assert.Equal(Base58.Encode(expected.SphinxKey.Span), node.GetProperty("sphinx_key").GetString());
            Assert.Equal($"127.0.0.{layer}", node.GetProperty("host").GetString());
            Assert.Equal(1789, node.GetProperty("mix_port").GetInt32());
            Assert.Equal(1790, node.GetProperty("verloc_port").GetInt32());
            Assert.Equal("1.0.1", node.GetProperty("version").GetString());
        }
    }

    [Fact]
    public async Task Gateway_bonds_have_the_fields_of_the_validator_api()
    {
        using var json = JsonDocument.Parse(await _host.GetJsonAsync("/v1/gateways"));

        var bond = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(["pledge_amount", "owner", "block_height", "gateway", "proxy"], Names(bond));
        var gateway = bond.GetProperty("gateway");
        Assert.Equal(["host", "mix_port", "clients_port", "location", "sphinx_key", "identity_key", "version"], Names(gateway));
        Assert.Equal(_gateway.IdentityBase58, gateway.GetProperty("identity_key").GetString());
        Assert.Equal(9000, gateway.GetProperty("clients_port").GetInt32());
        Assert.Equal("Nowhere", gateway.GetProperty("location").GetString());
    }

    [Fact]
    public async Task A_nym_client_builds_its_topology_from_the_json()
    {
        Assert.True(TopologyJson.TryParseMixNodes(await _host.GetJsonAsync("/v1/mixnodes/active"), out var mixNodes, out var error), error);
        Assert.True(TopologyJson.TryParseGateways(await _host.GetJsonAsync("/v1/gateways"), out var gateways, out error), error);

        Assert.True(NymTopology.TryBuild(mixNodes, gateways, "1.0.1", resolve: null, out var topology, out error), error);

        for (int layer = 1; layer <= 3; layer++)
        {
            Assert.Equal(_mixNodes[layer - 1].Identity.PublicKey, Assert.Single(topology!.Layer(layer)).IdentityKey);
        }

        var gateway = topology!.FindGateway(_gateway.Identity.PublicKey);
        Assert.NotNull(gateway);
        Assert.Equal("ws://127.0.0.9:9000", gateway.ClientsUrl);
    }

    [Fact]
    public async Task All_mix_nodes_lists_the_registered_ones()
    {
        Assert.True(TopologyJson.TryParseMixNodes(await _host.GetJsonAsync("/v1/mixnodes"), out var all, out var error), error);
        Assert.Equal(
            _mixNodes.Select(n => n.IdentityBase58).Order(),
            all.Select(b => b.MixNode.IdentityKey).Order());
    }

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
}
