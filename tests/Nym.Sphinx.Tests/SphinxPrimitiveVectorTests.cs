using Nym.Sphinx.Crypto;
using Nym.TestVectors;
using Xunit;

namespace Nym.Sphinx.Tests;

/// <summary>Every case of sphinx-primitives.json.</summary>
public sealed class SphinxPrimitiveVectorTests
{
    private const string File = "sphinx-primitives.json";

    public static TheoryData<string> RoutingKeyCases => VectorFile.CaseNames(File, "routing_keys");
    public static TheoryData<string> StreamCipherCases => VectorFile.CaseNames(File, "stream_cipher");
    public static TheoryData<string> HeaderMacCases => VectorFile.CaseNames(File, "header_mac");
    public static TheoryData<string> X25519Cases => VectorFile.CaseNames(File, "x25519");
    public static TheoryData<string> BlindingCases => VectorFile.CaseNames(File, "blinding");
    public static TheoryData<string> KeyMaterialCases => VectorFile.CaseNames(File, "key_material");

    [Theory]
    [MemberData(nameof(RoutingKeyCases))]
    public void Routing_keys_are_derived_and_split(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        RoutingKeys keys = default;
        RoutingKeys.Derive(c.Inputs["shared_secret"].Hex(), ref keys);
        AssertKeys(c.Expected, keys);
    }

    [Theory]
    [MemberData(nameof(StreamCipherCases))]
    public void Stream_cipher_keystream_matches_with_and_without_aes_ni(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        foreach (bool aesNi in new[] { true, false })
        {
            Aes128Ctr.UseAesNi = aesNi && System.Runtime.Intrinsics.X86.Aes.IsSupported;
            try
            {
                var keystream = new byte[c.Inputs["length"].Int()];
                Aes128Ctr.Keystream(c.Inputs["key"].Hex(), c.Inputs["iv"].Hex(), keystream);
                Assert.Equal(c.Expected["keystream"].Str(), keystream.ToHex());
            }
            finally
            {
                Aes128Ctr.UseAesNi = System.Runtime.Intrinsics.X86.Aes.IsSupported;
            }
        }
    }

    [Theory]
    [MemberData(nameof(HeaderMacCases))]
    public void Header_mac_is_truncated_hmac_sha256(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        RoutingKeys keys = default;
        c.Inputs["key"].Hex().CopyTo(((Span<byte>)keys)[16..32]);
        var mac = new byte[SphinxConstants.MacLength];
        keys.ComputeMac(c.Inputs["data"].Hex(), mac);
        Assert.Equal(c.Expected["mac"].Str(), mac.ToHex());
    }

    [Theory]
    [MemberData(nameof(X25519Cases))]
    public void X25519_clamps_and_agrees(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var privateKey = c.Inputs["private_key"].Hex();
        var publicKey = new byte[32];
        var shared = new byte[32];
        X25519.DerivePublicKey(privateKey, publicKey);
        X25519.SharedSecret(privateKey, c.Inputs["peer_public_key"].Hex(), shared);
        Assert.Equal(c.Expected["public_key"].Str(), publicKey.ToHex());
        Assert.Equal(c.Expected["shared_secret"].Str(), shared.ToHex());
    }

    [Theory]
    [MemberData(nameof(BlindingCases))]
    public void Blinding_multiplies_by_the_unclamped_scalar(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var factor = c.Inputs["blinding_factor"].Hex();
        var scalar = new byte[32];
        var blinded = new byte[32];
        X25519.ReduceScalar(factor, scalar);
        X25519.MultiplyUnclamped(factor, c.Inputs["u"].Hex(), blinded);
        Assert.Equal(c.Expected["scalar"].Str(), scalar.ToHex());
        Assert.Equal(c.Expected["blinded_u"].Str(), blinded.ToHex());

        // The slow reference ladder, kept for the rare scalars the fast form cannot take, agrees too.
        var reference = new byte[32];
        X25519.ReferenceLadder(factor, c.Inputs["u"].Hex(), reference);
        Assert.Equal(c.Expected["blinded_u"].Str(), reference.ToHex());
    }

    [Theory]
    [MemberData(nameof(KeyMaterialCases))]
    public void Sender_key_schedule_and_filler_match(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var publicKeys = c.Inputs["node_public_keys"].Items().SelectMany(k => k.Hex()).ToArray();
        int hops = publicKeys.Length / 32;
        var accumulators = new List<string>();
        var secrets = new List<string>();
        var alpha0 = new byte[32];
        RouteKeys keys = default;

        KeyMaterial.Derive(c.Inputs["initial_secret"].Hex(), publicKeys, hops, alpha0, ref keys, (hop, acc, shared) =>
        {
            accumulators.Add(acc.ToHex());
            secrets.Add(shared.ToHex());
        });

        Assert.Equal(c.Expected["alpha0"].Str(), alpha0.ToHex());
        var expectedHops = c.Expected["hops"].Items().ToArray();
        Assert.Equal(expectedHops.Length, hops);
        for (int i = 0; i < hops; i++)
        {
            Assert.Equal(expectedHops[i]["accumulator_scalar"].Str(), accumulators[i]);
            Assert.Equal(expectedHops[i]["shared_secret"].Str(), secrets[i]);
            AssertKeys(expectedHops[i], keys[i]);
        }

        var filler = new byte[SphinxConstants.HopStepLength * (SphinxConstants.MaxPathLength - 1)];
        int length = SphinxHeader.BuildFiller(ref keys, hops, new byte[SphinxConstants.StreamCipherOutputLength], filler);
        Assert.Equal(c.Expected["filler"].Str(), filler.AsSpan(0, length).ToHex());
    }

    private static void AssertKeys(System.Text.Json.Nodes.JsonNode expected, in RoutingKeys keys)
    {
        Assert.Equal(expected["hkdf_output"].Str(), ((ReadOnlySpan<byte>)keys).ToHex());
        Assert.Equal(expected["stream_cipher_key"].Str(), keys.StreamCipherKey.ToHex());
        Assert.Equal(expected["header_integrity_mac_key"].Str(), keys.MacKey.ToHex());
        Assert.Equal(expected["payload_key"].Str(), keys.PayloadKey.ToHex());
        Assert.Equal(expected["blinding_factor"].Str(), keys.BlindingFactor.ToHex());
    }
}
