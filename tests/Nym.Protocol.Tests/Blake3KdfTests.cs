using Nym.Protocol.Crypto;
using Nym.Protocol.Encoding;
using Nym.Sphinx.Crypto;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests;

/// <summary>HKDF-BLAKE3 and base58 against the gateway_shared_keys cases of nym-framing.json.</summary>
public sealed class Blake3KdfTests
{
    public static TheoryData<string> SharedKeyCases => VectorFile.CaseNames("nym-framing.json", "gateway_shared_keys");

    [Theory]
    [MemberData(nameof(SharedKeyCases))]
    public void Hkdf_blake3_derives_the_gateway_shared_keys(string name)
    {
        var c = VectorFile.Open("nym-framing.json").Case(name);
        var dh = new byte[32];
        X25519.SharedSecret(c.Inputs["client_ephemeral_private_key"].Hex(), c.Expected["gateway_ephemeral_public_key"].Hex(), dh);
        Assert.Equal(c.Expected["dh"].Str(), dh.ToHex());

        var okm = new byte[32];
        Blake3Kdf.Derive(dh, okm);
        Assert.Equal(c.Expected["okm"].Str(), okm.ToHex());
        Assert.Equal(c.Expected["shared_keys_b58"].Str(), Base58.Encode(okm));

        // Lengths that are not a multiple of the block size are prefixes of the longer output.
        var longer = new byte[80];
        Blake3Kdf.Derive(dh, longer);
        Assert.Equal(okm, longer[..32]);
    }

    [Fact]
    public void Base58_refuses_characters_outside_the_alphabet_and_text_too_long_for_what_is_expected()
    {
        Assert.False(Base58.TryDecode("0OIl", 8, out _));
        Assert.True(Base58.TryDecode("", 8, out var empty));
        Assert.Empty(empty);
        Assert.True(Base58.TryDecode("1112", 8, out var zeros));
        Assert.Equal(new byte[] { 0, 0, 0, 1 }, zeros);

        // Decoding is quadratic in the text's length, so a text that cannot fit is refused before decoding.
        Assert.False(Base58.TryDecode(new string('z', 100_000), 32, out _));
        Assert.False(Base58.TryDecode("zzzzzzzzzzzz", 4, out _));
        Assert.True(Base58.TryDecode(Base58.Encode(new byte[32]), 32, out var key));
        Assert.Equal(32, key.Length);
    }
}
