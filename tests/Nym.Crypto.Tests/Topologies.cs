using Nym.Protocol.Keys;
using Nym.Protocol.Topology;
using Xunit;

namespace Nym.Crypto.Tests;

/// <summary>Topologies of made-up nodes (never contacted): for tests that prepare packets but send none.</summary>
internal static class Topologies
{
    public static NymTopology ThreeMixesAndGateway(IdentityKeyPair gateway)
    {
        var none = Coin.Unym(0);
        var mixes = Enumerable.Range(1, 3).Select(layer => new MixNodeBond(none, none, "", layer, 0,
            new MixNodeDescriptor($"10.0.0.{layer}", 1789, 1790, 8000, EncryptionKeyPair.Generate().PublicKeyBase58,
                IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1", 10), null, null));
        var gateways = new[]
        {
            new GatewayBond(none, "", 0, new GatewayDescriptor("10.0.0.9", 1789, 9000, "here", EncryptionKeyPair.Generate().PublicKeyBase58,
                gateway.PublicKeyBase58, "1.0.1"), null),
        };
        Assert.True(NymTopology.TryBuild(mixes, gateways, "1.0.1", null, out var topology, out var error), error);
        return topology!;
    }
}
