using Nym.Sphinx.Crypto;
using Nym.TestVectors;
using Xunit;

namespace Nym.Sphinx.Tests;

/// <summary>Every case of lioness.json.</summary>
public sealed class LionessVectorTests
{
    private const string File = "lioness.json";

    public static TheoryData<string> EncryptCases => VectorFile.CaseNames(File, "encrypt");

    public static TheoryData<string> TooSmallCases => VectorFile.CaseNames(File, "block_too_small");

    [Theory]
    [MemberData(nameof(EncryptCases))]
    public void Encrypts_and_decrypts(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var key = c.Inputs["key"].Hex();
        var block = c.Inputs["plaintext"].Hex();

        Lioness.Encrypt(key, block);
        Assert.Equal(c.Expected["ciphertext"].Str(), block.ToHex());

        Lioness.Decrypt(key, block);
        Assert.Equal(c.Inputs["plaintext"].Str(), block.ToHex());
    }

    [Theory]
    [MemberData(nameof(TooSmallCases))]
    public void Refuses_blocks_of_32_bytes_or_fewer(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var key = c.Inputs["key"].Hex();
        var block = c.Inputs["plaintext"].Hex();

        Assert.False(Lioness.IsValidBlockLength(block.Length));
        var encrypt = Assert.Throws<ArgumentException>(() => Lioness.Encrypt(key, block));
        var decrypt = Assert.Throws<ArgumentException>(() => Lioness.Decrypt(key, block));
        Assert.StartsWith(c.Expected["error"]!["message"].Str(), encrypt.Message, StringComparison.Ordinal);
        Assert.StartsWith(c.Expected["error"]!["message"].Str(), decrypt.Message, StringComparison.Ordinal);
    }
}
