using Nym.Node.Keys;
using Nym.Protocol.Keys;
using Xunit;

namespace Nym.Node.Tests;

public sealed class NodeKeysTests : IDisposable
{
    private readonly string _directory = Path.Combine(Directory.CreateTempSubdirectory("nym-node-keys-").FullName, "data");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);

    [Fact]
    public void Keys_round_trip_through_nyms_four_files_with_owner_only_modes()
    {
        var keys = NodeKeys.Generate();
        keys.Save(_directory);

        Assert.True(NodeKeys.TryLoad(_directory, out var loaded, out var error), error);
        Assert.Equal(keys.Identity.PublicKey, loaded!.Identity.PublicKey);
        Assert.Equal(keys.Sphinx.PublicKey, loaded.Sphinx.PublicKey);
        Assert.True(keys.Sphinx.PrivateKey.SequenceEqual(loaded.Sphinx.PrivateKey));

        // nym-mixnet.md §8: file names and PEM tags as Nym writes them.
        Assert.StartsWith("-----BEGIN ED25519 PRIVATE KEY-----", File.ReadAllText(Path.Combine(_directory, "private_identity.pem")), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN ED25519 PUBLIC KEY-----", File.ReadAllText(Path.Combine(_directory, "public_identity.pem")), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN X25519 PRIVATE KEY-----", File.ReadAllText(Path.Combine(_directory, "private_sphinx.pem")), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN X25519 PUBLIC KEY-----", File.ReadAllText(Path.Combine(_directory, "public_sphinx.pem")), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in Directory.GetFiles(_directory))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
        }
    }

    [Theory]
    [InlineData(NodeKeys.PrivateIdentityFile)]
    [InlineData(NodeKeys.PublicSphinxFile)]
    public void A_missing_file_is_an_error_naming_it(string name)
    {
        NodeKeys.Generate().Save(_directory);
        File.Delete(Path.Combine(_directory, name));

        Assert.False(NodeKeys.TryLoad(_directory, out var keys, out var error));
        Assert.Null(keys);
        Assert.Contains(Path.Combine(_directory, name), error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_file_is_an_error_naming_it()
    {
        NodeKeys.Generate().Save(_directory);
        var path = Path.Combine(_directory, NodeKeys.PrivateSphinxFile);
        File.WriteAllText(path, "-----BEGIN X25519 PRIVATE KEY-----\r\n@@@@\r\n-----END X25519 PRIVATE KEY-----\r\n");

        Assert.False(NodeKeys.TryLoad(_directory, out _, out var error));
        Assert.StartsWith(path + ":", error, StringComparison.Ordinal);
        Assert.Contains("base64", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_of_the_wrong_kind_is_an_error_naming_it()
    {
        NodeKeys.Generate().Save(_directory);
        var path = Path.Combine(_directory, NodeKeys.PrivateIdentityFile);
        File.Copy(Path.Combine(_directory, NodeKeys.PrivateSphinxFile), path, overwrite: true);

        Assert.False(NodeKeys.TryLoad(_directory, out _, out var error));
        Assert.StartsWith(path + ":", error, StringComparison.Ordinal);
        Assert.Contains("X25519 PRIVATE KEY", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_key_that_is_not_the_private_keys_is_an_error_naming_it()
    {
        NodeKeys.Generate().Save(_directory);
        var path = Path.Combine(_directory, NodeKeys.PublicIdentityFile);
        PemFile.Write(path, Pem.Ed25519PublicKey, IdentityKeyPair.Generate().PublicKey.AsReadOnlySpan());

        Assert.False(NodeKeys.TryLoad(_directory, out _, out var error));
        Assert.StartsWith(path + ":", error, StringComparison.Ordinal);
        Assert.Contains("does not match", error, StringComparison.Ordinal);
    }
}
