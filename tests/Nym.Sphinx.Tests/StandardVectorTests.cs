using System.Security.Cryptography;
using Nym.Sphinx.Crypto;
using Xunit;

namespace Nym.Sphinx.Tests;

/// <summary>Known answers for each primitive from the standard that defines it.</summary>
public sealed class StandardVectorTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Fact]
    public void X25519_rfc7748_section_5_2_first_vector()
    {
        var result = new byte[32];
        X25519.SharedSecret(
            H("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
            H("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"), result);
        Assert.Equal("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", Convert.ToHexStringLower(result));
    }

    [Fact]
    public void X25519_rfc7748_section_6_1_diffie_hellman()
    {
        byte[] alice = H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = H("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        var alicePublic = new byte[32];
        var bobPublic = new byte[32];
        var shared1 = new byte[32];
        var shared2 = new byte[32];
        X25519.DerivePublicKey(alice, alicePublic);
        X25519.DerivePublicKey(bob, bobPublic);
        X25519.SharedSecret(alice, bobPublic, shared1);
        X25519.SharedSecret(bob, alicePublic, shared2);
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Convert.ToHexStringLower(alicePublic));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Convert.ToHexStringLower(bobPublic));
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Convert.ToHexStringLower(shared1));
        Assert.Equal(shared1, shared2);
    }

    [Fact]
    public void Unclamped_multiplication_of_a_clamped_scalar_equals_x25519()
    {
        // For a clamped scalar both operations compute the same multiple: RFC 7748's first vector again.
        byte[] scalar = H("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
        X25519.Clamp(scalar);
        var basePoint = new byte[32];
        basePoint[0] = 9;
        var expected = new byte[32];
        var actual = new byte[32];
        X25519.DerivePublicKey(scalar, expected);
        X25519.MultiplyUnclamped(scalar, basePoint, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Hkdf_sha256_rfc5869_case_3_without_salt_or_info()
    {
        // Sphinx derives with salt None, which is what case 3 exercises.
        var okm = new byte[42];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, H("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), okm, salt: default, info: default);
        Assert.Equal("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8", Convert.ToHexStringLower(okm));
    }

    [Fact]
    public void Hmac_sha256_rfc4231_case_2_truncated_as_the_header_mac()
    {
        var mac = new byte[32];
        HMACSHA256.HashData("Jefe"u8, "what do ya want for nothing?"u8, mac);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(mac));

        // The header MAC is the first 16 bytes of HMAC-SHA256 under a 16-byte key (RFC 4231 case 4 uses 25 bytes,
        // so the same check is made on case 1's data with the key 0x0b × 16 against a full HMAC).
        RoutingKeys keys = default;
        ((Span<byte>)keys)[16..32].Fill(0x0b);
        var truncated = new byte[16];
        keys.ComputeMac("Hi There"u8, truncated);
        var full = HMACSHA256.HashData(H("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "Hi There"u8.ToArray());
        Assert.Equal(full[..16], truncated);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Aes128_ctr_nist_sp800_38a_f5_1(bool aesNi)
    {
        Aes128Ctr.UseAesNi = aesNi && System.Runtime.Intrinsics.X86.Aes.IsSupported;
        try
        {
            var plaintext = H("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
            var ciphertext = new byte[plaintext.Length];
            Aes128Ctr.Transform(H("2b7e151628aed2a6abf7158809cf4f3c"), H("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), plaintext, ciphertext);
            Assert.Equal(
                "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
                Convert.ToHexStringLower(ciphertext));

            // Odd lengths end mid-block and must give the same prefix.
            var partial = new byte[37];
            Aes128Ctr.Transform(H("2b7e151628aed2a6abf7158809cf4f3c"), H("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), plaintext.AsSpan(0, 37), partial);
            Assert.Equal(ciphertext[..37], partial);
        }
        finally
        {
            Aes128Ctr.UseAesNi = System.Runtime.Intrinsics.X86.Aes.IsSupported;
        }
    }

    [Fact]
    public void Chacha20_djb_all_zero_key_and_nonce()
    {
        // The first keystream block for key 0^32 and nonce 0^8 (draft-strombergson-chacha-test-vectors TC1; also
        // RFC 8439 §A.1 test vector 1, which has a zero nonce and counter).
        var block = new byte[64];
        Sodium.crypto_stream_chacha20_xor(block, block, 64, new byte[8], new byte[32]);
        Assert.Equal(
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
            Convert.ToHexStringLower(block));
    }

    [Fact]
    public void Blake2b_rfc7693_appendix_a_abc()
    {
        var digest = new byte[64];
        Sodium.crypto_generichash_blake2b(digest, 64, "abc"u8, 3, default, 0);
        Assert.Equal(
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Blake2b_keyed_reference_kat_empty_input()
    {
        // blake2b-kat.txt (BLAKE2 reference package): key 00 01 … 3f, empty input.
        var key = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var digest = new byte[64];
        Sodium.crypto_generichash_blake2b(digest, 64, default, 0, key, 64);
        Assert.Equal(
            "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568",
            Convert.ToHexStringLower(digest));
    }
}
