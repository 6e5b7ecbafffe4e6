using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Nym.Protocol.Keys;
using Nym.Protocol.Topology;
using Nym.Sphinx;
using Xunit;

namespace Nym.Protocol.Tests.Topology;

public sealed class TopologyTests
{
    private static MixNodeBond Mix(int layer, string host = "10.0.0.1", string version = "1.0.1", string? identity = null, string? sphinx = null) => new(
        Coin.Unym(100_000_000), Coin.Unym(0), "n1owner", layer, 123,
        new MixNodeDescriptor(host, 1789, 1790, 8000, sphinx ?? EncryptionKeyPair.Generate().PublicKeyBase58,
            identity ?? IdentityKeyPair.Generate().PublicKeyBase58, version, 10),
        null, null);

    private static GatewayBond Gateway(string host = "10.0.0.9", string? identity = null) => new(
        Coin.Unym(100_000_000), "n1owner", 123,
        new GatewayDescriptor(host, 1789, 9000, "Earth", EncryptionKeyPair.Generate().PublicKeyBase58, identity ?? IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1"),
        null);

    private static NymTopology Build(IEnumerable<MixNodeBond> mixes, IEnumerable<GatewayBond> gateways)
    {
        Assert.True(NymTopology.TryBuild(mixes, gateways, "1.0.1", null, out var topology, out var error), error);
        return topology!;
    }

    [Fact]
    public void Json_has_the_fields_of_nym_1_0_1_validator_api()
    {
        // Field names and nesting of nym-mixnet.md §7.
        var mix = JsonNode.Parse(TopologyJson.Serialize([Mix(1)]))!.AsArray()[0]!.AsObject();
        Assert.Equal(["pledge_amount", "total_delegation", "owner", "layer", "block_height", "mix_node", "proxy", "accumulated_rewards"], mix.Select(p => p.Key));
        Assert.Equal(["host", "mix_port", "verloc_port", "http_api_port", "sphinx_key", "identity_key", "version", "profit_margin_percent"], mix["mix_node"]!.AsObject().Select(p => p.Key));
        Assert.Equal("""{"denom":"unym","amount":"100000000"}""", mix["pledge_amount"]!.ToJsonString());
        Assert.Equal(1, (int)mix["layer"]!);

        var gateway = JsonNode.Parse(TopologyJson.Serialize([Gateway()]))!.AsArray()[0]!.AsObject();
        Assert.Equal(["pledge_amount", "owner", "block_height", "gateway", "proxy"], gateway.Select(p => p.Key));
        Assert.Equal(["host", "mix_port", "clients_port", "location", "sphinx_key", "identity_key", "version"], gateway["gateway"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Spec_example_with_the_upstream_fixture_keys_parses_and_builds()
    {
        // nym-mixnet.md §7's JSON with the valid keys of §8.
        var mixes = System.Text.Encoding.UTF8.GetBytes("""
            [{"pledge_amount":{"denom":"unym","amount":"100000000"},"total_delegation":{"denom":"unym","amount":"0"},
              "owner":"n1abc","layer":1,"block_height":123,
              "mix_node":{"host":"1.2.3.4","mix_port":1789,"verloc_port":1790,"http_api_port":8000,
                "sphinx_key":"B3GzG62aXAZNg14RoMCp3BhELNBrySLr2JqrwyfYFzRc","identity_key":"3ebjp1Fb9hdcS1AR6AZihgeJiMHkB5jjJUsvqNnfQwU7",
                "version":"1.0.1","profit_margin_percent":10},
              "proxy":null,"accumulated_rewards":null}]
            """);
        var gateways = System.Text.Encoding.UTF8.GetBytes("""
            [{"pledge_amount":{"denom":"unym","amount":"100000000"},"owner":"n1abc","block_height":123,
              "gateway":{"host":"5.6.7.8","mix_port":1789,"clients_port":9000,"location":"Neverland",
                "sphinx_key":"EB42xvMFMD5rUCstE2CDazgQQJ22zLv8SPm1Luxni44c","identity_key":"FioFa8nMmPpQnYi7JyojoTuwGLeyNS8BF4ChPr29zUML","version":"1.0.1"},
              "proxy":null}]
            """);

        Assert.True(TopologyJson.TryParseMixNodes(mixes, out var mixBonds, out var error), error);
        Assert.True(TopologyJson.TryParseGateways(gateways, out var gatewayBonds, out error), error);
        var all = new[] { mixBonds[0], mixBonds[0] with { Layer = 2 }, mixBonds[0] with { Layer = 3 } };
        var topology = Build(all, gatewayBonds);

        Assert.Equal("1.2.3.4:1789", topology.Layer(1)[0].MixAddress.ToString());
        Assert.Equal("ws://5.6.7.8:9000", topology.Gateways[0].ClientsUrl);
    }

    [Fact]
    public void Bonds_with_a_bad_layer_key_host_or_version_are_dropped()
    {
        var good = new[] { Mix(1), Mix(2), Mix(3) };
        var bad = new[]
        {
            Mix(0), Mix(4), Mix(1, host: "not a host"), Mix(2, version: "0.12.1"), Mix(3, identity: "0OIl"),
            Mix(1, sphinx: "abc"), Mix(2, identity: "1111111111111111111111111111111111111111111"),
        };
        var topology = Build(good.Concat(bad), [Gateway(), Gateway(host: ""), Gateway(identity: "x")]);

        Assert.Equal(3, topology.MixNodeCount);
        Assert.Single(topology.Gateways);
    }

    [Fact]
    public void Hostnames_are_resolved_once_through_the_resolver()
    {
        var resolved = new List<string>();
        Assert.True(NymTopology.TryBuild([Mix(1, host: "mix1.local"), Mix(2), Mix(3)], [Gateway()], "1.0.1",
            host => { resolved.Add(host); return System.Net.IPAddress.Loopback; }, out var topology, out _));
        Assert.Equal(["mix1.local"], resolved);
        Assert.Equal("127.0.0.1:1789", topology!.Layer(1)[0].MixAddress.ToString());
    }

    [Theory]
    [InlineData(new[] { 1, 2 }, 1, "layer 3 has no usable mix node")]
    [InlineData(new[] { 1, 2, 3 }, 0, "there is no usable gateway")]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1, 2, 3 }, 1, "layer 1 holds 78%")]
    public void A_topology_that_cannot_route_is_refused_with_the_reason(int[] layers, int gateways, string reason)
    {
        Assert.False(NymTopology.TryBuild(layers.Select(l => Mix(l)), Enumerable.Range(0, gateways).Select(_ => Gateway()), "1.0.1", null, out var topology, out var error));
        Assert.Null(topology);
        Assert.StartsWith(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Routes_take_one_mix_per_layer_uniformly_and_end_at_the_chosen_gateway()
    {
        var mixes = Enumerable.Range(0, 9).Select(i => Mix(i / 3 + 1, host: $"10.0.{i / 3 + 1}.{i % 3}")).ToArray();
        var gateways = new[] { Gateway("10.0.9.1"), Gateway("10.0.9.2") };
        var topology = Build(mixes, gateways);
        var target = topology.Gateways[1];
        var random = new Random(7);
        var seen = new HashSet<Bytes32>();
        var route = new SphinxHop[4];

        for (int i = 0; i < 300; i++)
        {
            Assert.True(topology.TryChooseRoute(target.IdentityKey, random, route));
            for (int layer = 1; layer <= 3; layer++)
            {
                Assert.Contains(topology.Layer(layer), node => node.ToHop() == route[layer - 1]);
                seen.Add(route[layer - 1].PublicKey);
            }

            Assert.Equal(target.ToHop(), route[3]);
        }

        Assert.Equal(9, seen.Count);
        Assert.False(topology.TryChooseRoute(default, random, route));
    }

    [Fact]
    public void Random_and_mutated_json_never_throws()
    {
        var valid = System.Text.Encoding.UTF8.GetString(TopologyJson.Serialize([Mix(1), Mix(2)]));
        var gen = Gen.OneOf(
            Gen.String,
            Gen.Int[0, valid.Length - 1].SelectMany(i => Gen.Char.Select(c => valid[..i] + c + valid[(i + 1)..])));
        gen.Sample(text =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            if (TopologyJson.TryParseMixNodes(bytes, out var mixes, out _) && TopologyJson.TryParseGateways(bytes, out var gateways, out _))
            {
                NymTopology.TryBuild(mixes, gateways, "1.0.1", null, out _, out _);
            }
            else
            {
                NymTopology.TryBuild(mixes, [], "1.0.1", null, out _, out _);
            }
        }, iter: 2000);
    }
}
