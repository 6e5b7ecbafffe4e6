extern alias keystore;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Nym.KeyStore.V1;
using keystore::Nym.KeyStore;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>What survives a restart, and what a damaged file or database gives.</summary>
public sealed class PersistenceTests
{
    /// <summary>
    /// Two standalone nym-clients with one home share keystore.sqlite, and every payload a client opens may take reply
    /// keys (a write). A write that finds the other process's write under way must wait only until it ends: left to
    /// Microsoft.Data.Sqlite's own retry, each busy attempt sleeps 150 ms, which put 150–275 ms stalls into the receive
    /// path of both clients (docs/performance.md, issue 6's tail).
    /// </summary>
    [Fact]
    public async Task A_write_waits_for_another_process_write_only_as_long_as_it_lasts()
    {
        using var home = new TempDirectory();
        var options = new KeyStoreOptions(home.Path, KeyStoreHost.Token);
        using var database = KeyStoreDatabase.Open(options, TimeProvider.System);
        using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = options.DatabasePath, Pooling = false }.ToString());
        other.Open();
        var cancellationToken = TestContext.Current.CancellationToken;

        const int Rounds = 5;
        var waited = TimeSpan.Zero;
        for (int i = 0; i < Rounds; i++)
        {
            // The other process holds the write lock for 20 ms.
            using var transaction = other.BeginTransaction();
            using (var write = other.CreateCommand())
            {
                write.Transaction = transaction;
                write.CommandText = "INSERT INTO gateways (client_id, identity_key) VALUES ($id, x'00')";
                write.Parameters.AddWithValue("$id", $"other-{i}");
                write.ExecuteNonQuery();
            }

            var release = Task.Run(async () =>
            {
                await Task.Delay(20, cancellationToken);
                transaction.Commit();
            }, cancellationToken);
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            database.TakeReplyKeys("alice", [new byte[32]]);
            waited += System.Diagnostics.Stopwatch.GetElapsedTime(start);
            await release;
        }

        // 150 ms per round at least with the library's retry; about 20 ms with SQLite's busy handler. The bound leaves
        // room for a loaded machine.
        Assert.True(waited < TimeSpan.FromMilliseconds(Rounds * 150), $"the writes waited {waited.TotalMilliseconds:0} ms in all");
    }

    [Fact]
    public async Task Keys_gateway_and_reply_keys_survive_a_restart()
    {
        using var home = new TempDirectory();
        var replyKey = ReplyKeyTests.NewKey();
        ClientPublicKeys before;
        CryptoKeys cryptoBefore;
        await using (var first = await KeyStoreHost.StartAsync(home.Path))
        {
            await first.CreateAsync("alice");
            await first.SetGatewayKeysAsync("alice", TestGateway.Identity, TestGateway.SharedKeys);
            await first.Client.StoreReplyKeysAsync(new StoreReplyKeysRequest { ClientId = "alice", Keys = { replyKey } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
            before = await first.GetPublicKeysAsync("alice");
            cryptoBefore = await first.GetCryptoKeysAsync("alice");
        }

        await using var second = await KeyStoreHost.StartAsync(home.Path);

        Assert.Equal(before, await second.GetPublicKeysAsync("alice"));
        Assert.NotEqual("", before.Address);
        Assert.Equal(cryptoBefore, await second.GetCryptoKeysAsync("alice"));
        var gateway = await second.GetGatewayKeysAsync("alice");
        Assert.Equal(TestGateway.SharedKeys, gateway.SharedKeys.ToByteArray());
        var taken = await second.Client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = "alice", Digests = { replyKey.Digest } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(replyKey, Assert.Single(taken.Keys));
        await RpcAssert.Refused(StatusCode.AlreadyExists, () => second.CreateAsync("alice"));
    }

    [Fact]
    public async Task A_taken_digest_is_still_reported_as_taken_after_a_restart()
    {
        using var home = new TempDirectory();
        var replyKey = ReplyKeyTests.NewKey();
        await using (var first = await KeyStoreHost.StartAsync(home.Path))
        {
            await first.CreateAsync("alice");
            await first.Client.StoreReplyKeysAsync(new StoreReplyKeysRequest { ClientId = "alice", Keys = { replyKey } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
            var taken = await first.Client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = "alice", Digests = { replyKey.Digest } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Single(taken.Keys);
        }

        await using var second = await KeyStoreHost.StartAsync(home.Path);

        var again = await second.Client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = "alice", Digests = { replyKey.Digest } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(again.Keys);
        Assert.Equal(replyKey.Digest, Assert.Single(again.AlreadyTaken));
    }

    [Fact]
    public async Task A_version_1_database_is_upgraded_and_keeps_its_reply_keys()
    {
        using var home = new TempDirectory();
        var replyKey = ReplyKeyTests.NewKey();
        await using (var first = await KeyStoreHost.StartAsync(home.Path))
        {
            await first.CreateAsync("alice");
            await first.Client.StoreReplyKeysAsync(new StoreReplyKeysRequest { ClientId = "alice", Keys = { replyKey } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        }

        // What version 1 left: everything but the record of taken digests.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(home.Path, "keystore", "keystore.sqlite")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE taken_reply_digests; DROP TABLE taken_reply_digest_counts; PRAGMA user_version = 1;";
            command.ExecuteNonQuery();
        }

        await using var second = await KeyStoreHost.StartAsync(home.Path);

        var taken = await second.Client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = "alice", Digests = { replyKey.Digest } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(replyKey, Assert.Single(taken.Keys));
        var again = await second.Client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = "alice", Digests = { replyKey.Digest } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(replyKey.Digest, Assert.Single(again.AlreadyTaken));
    }

    [Theory]
    [InlineData("private_identity.pem", "garbage that is not PEM", "not a PEM file")]
    [InlineData("private_encryption.pem", "-----BEGIN X25519 PRIVATE KEY-----\r\n!!!!\r\n-----END X25519 PRIVATE KEY-----\r\n", "base64")]
    [InlineData("ack_key.pem", "-----BEGIN X25519 PUBLIC KEY-----\r\nAAAAAAAAAAAAAAAAAAAAAA==\r\n-----END X25519 PUBLIC KEY-----\r\n", "instead of")]
    [InlineData("public_encryption.pem", "-----BEGIN X25519 PUBLIC KEY-----\r\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n-----END X25519 PUBLIC KEY-----\r\n", "does not hold the public key")]
    [InlineData("public_identity.pem", null, "does not exist")]
    public async Task A_damaged_or_missing_key_file_is_DATA_LOSS_naming_the_file(string file, string? contents, string reason)
    {
        using var home = new TempDirectory();
        await using (var first = await KeyStoreHost.StartAsync(home.Path))
        {
            await first.CreateAsync("alice");
        }

        var path = Path.Combine(home.Path, "clients", "alice", "data", file);
        if (contents is null)
        {
            File.Delete(path);
        }
        else
        {
            await File.WriteAllTextAsync(path, contents, TestContext.Current.CancellationToken);
        }

        await using var second = await KeyStoreHost.StartAsync(home.Path);

        foreach (var call in ClientTests.EveryCall(second.Client, "alice").Skip(1))
        {
            var e = await RpcAssert.Refused(StatusCode.DataLoss, call);
            Assert.Contains(path, e.Status.Detail, StringComparison.Ordinal);
            Assert.Contains(reason, e.Status.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("AAAAAAAA", e.Status.Detail, StringComparison.Ordinal);
        }

        await RpcAssert.Refused(StatusCode.AlreadyExists, () => second.CreateAsync("alice"));
    }

    [Fact]
    public async Task A_damaged_gateway_shared_pem_is_DATA_LOSS_for_the_gateway_keys_only()
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path);
        await host.CreateAsync("alice");
        await host.SetGatewayKeysAsync("alice", TestGateway.Identity, TestGateway.SharedKeys);
        var path = Path.Combine(host.DataDirectory("alice"), "gateway_shared.pem");
        await File.WriteAllTextAsync(path, "-----BEGIN AES-128-CTR + HMAC-BLAKE3 GATEWAY SHARED KEYS-----\r\nAAAA\r\n-----END AES-128-CTR + HMAC-BLAKE3 GATEWAY SHARED KEYS-----\r\n",
            TestContext.Current.CancellationToken);

        var e = await RpcAssert.Refused(StatusCode.DataLoss, () => host.GetGatewayKeysAsync("alice"));

        Assert.Contains(path, e.Status.Detail, StringComparison.Ordinal);
        // Signing still works, so the client can register with a gateway again and get a sound file.
        await host.Client.SignAsync(new SignRequest { ClientId = "alice", Message = ByteString.CopyFromUtf8("m") }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        await host.SetGatewayKeysAsync("alice", TestGateway.Identity, TestGateway.SharedKeys);
        Assert.Equal(TestGateway.SharedKeys, (await host.GetGatewayKeysAsync("alice")).SharedKeys.ToByteArray());
    }

    [Fact]
    public async Task A_create_that_cannot_write_leaves_no_half_client_behind()
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path);
        // A directory where ack_key.pem must go: the last file of a create cannot be written.
        var blocker = Path.Combine(host.DataDirectory("alice"), "ack_key.pem");
        Directory.CreateDirectory(blocker);

        var e = await RpcAssert.Refused(StatusCode.Internal, () => host.CreateAsync("alice"));

        Assert.Contains(blocker, e.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(host.DataDirectory("alice")));
        await RpcAssert.Refused(StatusCode.NotFound, () => host.GetPublicKeysAsync("alice"));
        Directory.Delete(blocker);
        var created = await host.CreateAsync("alice");
        Assert.Equal(created, await host.GetPublicKeysAsync("alice"));
    }

    [Fact]
    public async Task A_cache_of_one_client_still_serves_many()
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path, maxCachedClients: 1);
        var created = new Dictionary<string, ClientPublicKeys>();
        foreach (var id in new[] { "a", "b", "c" })
        {
            created[id] = await host.CreateAsync(id);
        }

        await host.SetGatewayKeysAsync("a", TestGateway.Identity, TestGateway.SharedKeys);
        foreach (var id in new[] { "b", "a", "c", "a" })
        {
            var keys = await host.GetPublicKeysAsync(id);
            Assert.Equal(created[id].IdentityKey, keys.IdentityKey);
            Assert.Equal(id == "a", !keys.GatewayIdentityKey.IsEmpty);
        }
    }

    [Fact]
    public async Task A_database_from_a_newer_schema_stops_the_start_and_is_not_touched()
    {
        using var home = new TempDirectory();
        var path = Path.Combine(home.Path, "keystore", "keystore.sqlite");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var e = Assert.Throws<KeyStoreStartupException>(() => KeyStoreApp.Build(Options(home.Path)));

        Assert.Contains("schema version 99", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_home_that_cannot_be_used_stops_the_start_with_its_reason()
    {
        using var home = new TempDirectory();
        var aFile = Path.Combine(home.Path, "a-file");
        File.WriteAllText(aFile, "");

        var e = Assert.Throws<KeyStoreStartupException>(() => KeyStoreApp.Build(Options(aFile)));

        Assert.Contains("cannot use the KeyStore database", e.Message, StringComparison.Ordinal);
    }

    private static KeyStoreHostOptions Options(string home) =>
        new(IPAddress.Loopback, 0, 0, new KeyStoreOptions(home, KeyStoreHost.Token));
}
