using CsCheck;
using Nym.Protocol.Encoding;
using Nym.Protocol.Keys;
using Xunit;

namespace Nym.Protocol.Tests.Keys;

public sealed class KeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nym-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Pem_text_has_crlf_lines_of_64_base64_characters()
    {
        // nym-client-api.md §6: standard base64 in 64-character lines, CRLF line endings.
        var contents = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var base64 = Convert.ToBase64String(contents);
        var expected = "-----BEGIN ED25519 PUBLIC KEY-----\r\n" + base64[..64] + "\r\n" + base64[64..128] + "\r\n" + base64[128..] + "\r\n"
            + "-----END ED25519 PUBLIC KEY-----\r\n";

        Assert.Equal(expected, Pem.Encode(Pem.Ed25519PublicKey, contents));
    }

    [Fact]
    public void Pem_reader_accepts_lf_and_refuses_a_wrong_tag_or_length()
    {
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var text = Pem.Encode(Pem.AckKey, key);

        Assert.True(Pem.TryDecode(text.Replace("\r\n", "\n", StringComparison.Ordinal), Pem.AckKey, 16, out var decoded, out _));
        Assert.Equal(key, decoded);
        Assert.False(Pem.TryDecode(text, Pem.X25519PrivateKey, 32, out _, out var wrongTag));
        Assert.Contains("AES-128-CTR ACKNOWLEDGEMENTS KEY", wrongTag, StringComparison.Ordinal);
        Assert.False(Pem.TryDecode(text, Pem.AckKey, 32, out _, out var wrongLength));
        Assert.Contains("16 bytes", wrongLength, StringComparison.Ordinal);
    }

    [Fact]
    public void Pem_reader_never_throws_on_random_or_mutated_text()
    {
        var valid = Pem.Encode(Pem.X25519PublicKey, new byte[32]);
        var gen = Gen.OneOf(
            Gen.String,
            Gen.Int[0, valid.Length - 1].SelectMany(i => Gen.Char.Select(c => valid[..i] + c + valid[(i + 1)..])));
        gen.Sample(text => { Pem.TryDecode(text, Pem.X25519PublicKey, 32, out _, out _); }, iter: 2000);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Key_files_are_written_owner_only_and_read_back()
    {
        var path = Path.Combine(_directory, "data", "private_identity.pem");
        var identity = IdentityKeyPair.Generate();
        PemFile.Write(path, Pem.Ed25519PrivateKey, identity.PrivateKey);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.True(PemFile.TryRead(path, Pem.Ed25519PrivateKey, 32, out var seed, out var error), error);
        Assert.Equal(identity.PublicKey, IdentityKeyPair.FromPrivateKey(seed).PublicKey);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_damaged_key_file_gives_an_error_naming_the_file()
    {
        var path = Path.Combine(_directory, "ack_key.pem");
        File.WriteAllText(path, "-----BEGIN AES-128-CTR ACKNOWLEDGEMENTS KEY-----\r\n!!!not base64!!!\r\n-----END AES-128-CTR ACKNOWLEDGEMENTS KEY-----\r\n");

        Assert.False(PemFile.TryRead(path, Pem.AckKey, 16, out _, out var error));
        Assert.StartsWith(path, error, StringComparison.Ordinal);
        Assert.Contains("base64", error, StringComparison.Ordinal);
        Assert.False(PemFile.TryRead(Path.Combine(_directory, "missing.pem"), Pem.AckKey, 16, out _, out var missing));
        Assert.Contains("does not exist", missing, StringComparison.Ordinal);
    }

    [Fact]
    public void Ed25519_rfc8032_test_1()
    {
        var identity = IdentityKeyPair.FromPrivateKey(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        var signature = identity.Sign([]);

        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Convert.ToHexStringLower(identity.PublicKey.AsReadOnlySpan()));
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(signature));
        Assert.True(IdentityKeyPair.Verify(identity.PublicKey.AsReadOnlySpan(), [], signature));
        signature[5] ^= 1;
        Assert.False(IdentityKeyPair.Verify(identity.PublicKey.AsReadOnlySpan(), [], signature));
        Assert.False(IdentityKeyPair.Verify(new byte[3], [], signature));
    }

    [Fact]
    public void Key_texts_never_show_private_keys()
    {
        var identity = IdentityKeyPair.Generate();
        var encryption = EncryptionKeyPair.Generate();
        var ack = AckKey.Generate();

        foreach (var (text, secret) in new[] { (identity.ToString(), identity.PrivateKey.ToArray()), (encryption.ToString(), encryption.PrivateKey.ToArray()), (ack.ToString(), ack.Bytes.ToArray()) })
        {
            Assert.DoesNotContain(Base58.Encode(secret), text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexStringLower(secret), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(secret), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Encryption_private_keys_are_kept_clamped()
    {
        var keys = EncryptionKeyPair.FromPrivateKey(Enumerable.Repeat((byte)0xff, 32).ToArray());
        Assert.Equal(0xf8, keys.PrivateKey[0]);
        Assert.Equal(0x7f, keys.PrivateKey[31]);
    }
}
