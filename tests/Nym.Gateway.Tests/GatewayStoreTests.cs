using Microsoft.Data.Sqlite;
using Nym.Gateway.Storage;
using Nym.Protocol.Encoding;
using Nym.Protocol.Gateway;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>The gateway's SQLite file: shared keys, inboxes and authenticate IVs, over real files and restarts.</summary>
public sealed class GatewayStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nym-gateway-store-").FullName;
    private readonly Bytes32 _alice = IdentityKeyPair.Generate().PublicKey;
    private readonly Bytes32 _bob = IdentityKeyPair.Generate().PublicKey;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string DatabasePath => Path.Combine(_directory, "db.sqlite");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The store with alice and bob registered: inboxes exist only for clients registered at the gateway.</summary>
    private async Task<GatewayStore> OpenRegisteredAsync()
    {
        var store = await GatewayStore.OpenAsync(DatabasePath, Token);
        await store.SaveSharedKeysAsync(_alice, Keys(1), Token);
        await store.SaveSharedKeysAsync(_bob, Keys(2), Token);
        return store;
    }

    private static GatewaySharedKeys Keys(byte fill) =>
        GatewaySharedKeys.FromKeys(Enumerable.Repeat(fill, 16).ToArray(), Enumerable.Repeat(fill, 16).ToArray());

    [Fact]
    public async Task Messages_are_kept_only_for_clients_registered_here()
    {
        await using var store = await GatewayStore.OpenAsync(DatabasePath, Token);
        Assert.False(await store.TryStoreMessageAsync(_alice, new byte[] { 1 }, 10, Token));
        await store.SaveSharedKeysAsync(_alice, Keys(1), Token);
        Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 1 }, 10, Token));
        Assert.Equal(1, await store.CountMessagesAsync(Token));
    }

    [Fact]
    public async Task A_new_registration_forgets_the_ivs_accepted_under_the_old_keys()
    {
        await using var store = await OpenRegisteredAsync();
        Assert.True(await store.TryRecordAuthenticationIvAsync(_alice, new byte[16], Token));
        Assert.False(await store.TryRecordAuthenticationIvAsync(_alice, new byte[16], Token));
        await store.SaveSharedKeysAsync(_alice, Keys(3), Token);
        Assert.True(await store.TryRecordAuthenticationIvAsync(_alice, new byte[16], Token));
    }

    [Fact]
    public async Task Inbox_gives_a_clients_messages_oldest_first_and_only_its_own_also_after_a_restart()
    {
        await using (var store = await OpenRegisteredAsync())
        {
            for (byte i = 1; i <= 3; i++)
            {
                Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { i }, 10, Token));
            }

            Assert.True(await store.TryStoreMessageAsync(_bob, new byte[] { 9 }, 10, Token));
        }

        await using (var store = await OpenRegisteredAsync())
        {
            var page = await store.ReadOldestAsync(_alice, 2, Token);
            Assert.Equal([1, 2], page.Select(m => m.Content[0]));
            await store.DeleteMessageAsync(page[0].Id, Token);
            Assert.Equal([2, 3], (await store.ReadOldestAsync(_alice, 10, Token)).Select(m => m.Content[0]));
            Assert.Equal([9], (await store.ReadOldestAsync(_bob, 10, Token)).Select(m => m.Content[0]));
        }
    }

    [Fact]
    public async Task A_full_inbox_refuses_more_messages()
    {
        await using var store = await OpenRegisteredAsync();
        Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 1 }, 2, Token));
        Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 2 }, 2, Token));
        Assert.False(await store.TryStoreMessageAsync(_alice, new byte[] { 3 }, 2, Token));
        Assert.True(await store.TryStoreMessageAsync(_bob, new byte[] { 3 }, 2, Token));
        Assert.Equal(3, await store.CountMessagesAsync(Token));
    }

    [Fact]
    public async Task The_inbox_limit_follows_deliveries_and_restarts()
    {
        await using (var store = await OpenRegisteredAsync())
        {
            Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 1 }, 2, Token));
            Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 2 }, 2, Token));
            Assert.False(await store.TryStoreMessageAsync(_alice, new byte[] { 3 }, 2, Token));

            await store.DeleteMessageAsync((await store.ReadOldestAsync(_alice, 1, Token))[0].Id, Token);

            Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 3 }, 2, Token));
            Assert.False(await store.TryStoreMessageAsync(_alice, new byte[] { 4 }, 2, Token));
        }

        await using (var store = await OpenRegisteredAsync())
        {
            Assert.False(await store.TryStoreMessageAsync(_alice, new byte[] { 4 }, 2, Token));
            foreach (var message in await store.ReadOldestAsync(_alice, 10, Token))
            {
                await store.DeleteMessageAsync(message.Id, Token);
            }

            Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 4 }, 2, Token));
            Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 5 }, 2, Token));
            Assert.False(await store.TryStoreMessageAsync(_alice, new byte[] { 6 }, 2, Token));
            Assert.Equal([4, 5], (await store.ReadOldestAsync(_alice, 10, Token)).Select(m => m.Content[0]));
        }
    }

    [Fact]
    public async Task A_file_of_the_first_schema_keeps_its_inboxes_and_their_limit()
    {
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString()))
        {
            await connection.OpenAsync(Token);
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                CREATE TABLE shared_keys (client_address_bs58 TEXT NOT NULL PRIMARY KEY, derived_aes128_ctr_blake3_hmac_keys_bs58 TEXT NOT NULL);
                CREATE TABLE message_store (id INTEGER PRIMARY KEY AUTOINCREMENT, client_address_bs58 TEXT NOT NULL, content BLOB NOT NULL);
                CREATE INDEX message_store_index ON message_store (client_address_bs58, id);
                CREATE TABLE authenticate_ivs (client_address_bs58 TEXT NOT NULL, iv BLOB NOT NULL, PRIMARY KEY (client_address_bs58, iv));
                INSERT INTO message_store (client_address_bs58, content) VALUES ('{Base58.Encode(_alice.AsReadOnlySpan())}', x'01'), ('{Base58.Encode(_alice.AsReadOnlySpan())}', x'02');
                PRAGMA user_version = 1;
                """;
            await command.ExecuteNonQueryAsync(Token);
        }

        await using var store = await OpenRegisteredAsync();

        Assert.True(await store.TryStoreMessageAsync(_alice, new byte[] { 3 }, 3, Token));
        Assert.False(await store.TryStoreMessageAsync(_alice, new byte[] { 4 }, 3, Token));
        Assert.Equal([1, 2, 3], (await store.ReadOldestAsync(_alice, 10, Token)).Select(m => m.Content[0]));
    }

    [Fact]
    public async Task Shared_keys_survive_a_restart_and_an_authenticate_iv_is_accepted_once()
    {
        var keys = GatewaySharedKeys.FromKeys(Enumerable.Repeat((byte)1, 16).ToArray(), Enumerable.Repeat((byte)2, 16).ToArray());
        await using (var store = await GatewayStore.OpenAsync(DatabasePath, Token))
        {
            await store.SaveSharedKeysAsync(_alice, keys, Token);
            Assert.True(await store.TryRecordAuthenticationIvAsync(_alice, new byte[16], Token));
        }

        await using (var store = await GatewayStore.OpenAsync(DatabasePath, Token))
        {
            Assert.Equal(keys.ToBase58(), (await store.FindSharedKeysAsync(_alice, Token))!.ToBase58());
            Assert.Null(await store.FindSharedKeysAsync(_bob, Token));
            Assert.False(await store.TryRecordAuthenticationIvAsync(_alice, new byte[16], Token));
            Assert.True(await store.TryRecordAuthenticationIvAsync(_bob, new byte[16], Token));
        }
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_gives_an_error_naming_it()
    {
        await File.WriteAllTextAsync(DatabasePath, "this is not an SQLite database, it is a long enough text file to be read as one", Token);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => GatewayStore.OpenAsync(DatabasePath, Token));
        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
    }
}
