using Nym.Protocol.Keys;
using Nym.TestVectors;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>
/// The files are Nym 1.0.1's (nym-client-api.md §6): names, PEM tags, CRLF lines, modes. /work/shared/vectors holds
/// no PEM file, so the keys come from vectors (nym-framing.json handshake_1 and shared_keys_1, whose private keys are
/// already clamped) and the expected files are written out here by hand from §6's rules (pem 0.8.3 `encode`).
/// </summary>
public sealed class KeyFileTests
{
    private static readonly VectorCase Handshake = VectorFile.Open("nym-framing.json").Case("handshake", "handshake_1");
    private static readonly VectorCase SharedKeys = VectorFile.Open("nym-framing.json").Case("gateway_shared_keys", "shared_keys_1");

    private static byte[] IdentityPrivate => Handshake.Inputs["client_identity_private_key"].Hex();

    private static byte[] IdentityPublic => Handshake.Expected["client_identity_public_key"].Hex();

    private static byte[] EncryptionPrivate => SharedKeys.Inputs["client_ephemeral_private_key"].Hex();

    private static byte[] EncryptionPublic => SharedKeys.Expected["client_ephemeral_public_key"].Hex();

    private static byte[] AckKeyBytes => Handshake.Expected["shared_keys"]!["enc_key"].Hex();

    private static byte[] GatewaySharedKeys => [.. Handshake.Expected["shared_keys"]!["enc_key"].Hex(), .. Handshake.Expected["shared_keys"]!["mac_key"].Hex()];

    private static byte[] GatewayIdentity => Handshake.Expected["gateway_identity_public_key"].Hex();

    private static readonly Dictionary<string, string> ExpectedFiles = new()
    {
        ["private_identity.pem"] = "-----BEGIN ED25519 PRIVATE KEY-----\r\njomr92yfXvRfXbDmjaIEwFmWKDEroyUws3OlX2rHQpY=\r\n-----END ED25519 PRIVATE KEY-----\r\n",
        ["public_identity.pem"] = "-----BEGIN ED25519 PUBLIC KEY-----\r\ninkm4E7lDymmfXlL/1vI09BJlh4943tU6qARr/cXuPs=\r\n-----END ED25519 PUBLIC KEY-----\r\n",
        ["private_encryption.pem"] = "-----BEGIN X25519 PRIVATE KEY-----\r\nUO7tZB5Qs3wlZ4O5eMH2LTFQQll8NsJEgSwyN8fg32A=\r\n-----END X25519 PRIVATE KEY-----\r\n",
        ["public_encryption.pem"] = "-----BEGIN X25519 PUBLIC KEY-----\r\npqyhpcr72nBwQyt7tecupqLzrF8+WC14UonUGPlGywE=\r\n-----END X25519 PUBLIC KEY-----\r\n",
        ["ack_key.pem"] = "-----BEGIN AES-128-CTR ACKNOWLEDGEMENTS KEY-----\r\ni3/joMRfZFWvv4JEtLS7IA==\r\n-----END AES-128-CTR ACKNOWLEDGEMENTS KEY-----\r\n",
        ["gateway_shared.pem"] = "-----BEGIN AES-128-CTR + HMAC-BLAKE3 GATEWAY SHARED KEYS-----\r\ni3/joMRfZFWvv4JEtLS7INaPiJRdb38taeShmMspwTw=\r\n-----END AES-128-CTR + HMAC-BLAKE3 GATEWAY SHARED KEYS-----\r\n",
    };

    // nym-client-api.md §4, base58 of the three keys above, computed outside .NET.
    private const string ExpectedAddress = "AKYQkvtv7Quq7HH2HAcaW3GwGLmz6SGt8NSTJKFUVgjk.CDdMXg2Kp9zE6Y73vR55g7TazJBQJGEvkMpiS5i4S2tQ@DTsTa4wmHSUxL1ABg8N26HfXST3t8fqT2xzyNDYk9T9o";

    private static Queue<byte[]> VectorKeys() => new([IdentityPrivate, EncryptionPrivate, AckKeyBytes]);

    [Fact]
    public async Task Known_keys_give_Nym_files_byte_for_byte()
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path, VectorKeys());

        var created = await host.CreateAsync("alice");
        await host.SetGatewayKeysAsync("alice", GatewayIdentity, GatewaySharedKeys);

        Assert.Equal(IdentityPublic, created.IdentityKey.ToByteArray());
        Assert.Equal(EncryptionPublic, created.EncryptionKey.ToByteArray());
        var data = host.DataDirectory("alice");
        Assert.Equal(ExpectedFiles.Keys.Order(), Directory.GetFiles(data).Select(Path.GetFileName).Order());
        foreach (var (name, text) in ExpectedFiles)
        {
            Assert.Equal(System.Text.Encoding.ASCII.GetBytes(text), await File.ReadAllBytesAsync(Path.Combine(data, name), TestContext.Current.CancellationToken));
        }

        Assert.Equal(ExpectedAddress, (await host.GetPublicKeysAsync("alice")).Address);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Files_are_0600_and_directories_0700()
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path);

        await host.CreateAsync("alice");
        await host.SetGatewayKeysAsync("alice", TestGateway.Identity, TestGateway.SharedKeys);

        const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode DirectoryMode = FileMode | UnixFileMode.UserExecute;
        foreach (var file in Directory.GetFiles(host.DataDirectory("alice")))
        {
            Assert.Equal(FileMode, File.GetUnixFileMode(file));
        }

        foreach (var directory in new[] { host.DataDirectory("alice"), Path.Combine(home.Path, "clients", "alice"), Path.Combine(home.Path, "keystore") })
        {
            Assert.Equal(DirectoryMode, File.GetUnixFileMode(directory));
        }
    }

    [Fact]
    public async Task Files_written_by_Nym_are_read_as_they_are()
    {
        using var home = new TempDirectory();
        var data = Path.Combine(home.Path, "clients", "bob", "data");
        Directory.CreateDirectory(data);
        foreach (var (name, text) in ExpectedFiles.Where(f => f.Key != "gateway_shared.pem"))
        {
            await File.WriteAllTextAsync(Path.Combine(data, name), text, TestContext.Current.CancellationToken);
        }

        await using var host = await KeyStoreHost.StartAsync(home.Path);
        var keys = await host.GetCryptoKeysAsync("bob");

        Assert.Equal(IdentityPublic, keys.IdentityKey.ToByteArray());
        Assert.Equal(EncryptionPrivate, keys.EncryptionPrivateKey.ToByteArray());
        Assert.Equal(EncryptionPublic, keys.EncryptionKey.ToByteArray());
        Assert.Equal(AckKeyBytes, keys.AckKey.ToByteArray());
        var signature = await host.Client.SignAsync(
            new V1.SignRequest { ClientId = "bob", Message = Google.Protobuf.ByteString.CopyFromUtf8("hello") }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(IdentityKeyPair.Verify(IdentityPublic, "hello"u8, signature.Signature.Span));
    }
}
