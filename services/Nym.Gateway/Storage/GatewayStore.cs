using Microsoft.Data.Sqlite;
using Nym.Protocol.Encoding;
using Nym.Protocol.Gateway;
using Nym.Sphinx;

namespace Nym.Gateway.Storage;

/// <summary>A message waiting in a client's inbox.</summary>
public sealed record StoredMessage(long Id, byte[] Content);

/// <summary>
/// The gateway's SQLite file (<c>&lt;home&gt;/gateways/&lt;id&gt;/data/db.sqlite</c>), in Nym 1.0.1's layout
/// (nym-mixnet.md §5.5): the shared keys of registered clients and the inboxes of clients that are offline, plus the
/// authenticate IVs already accepted (D9: a replayed authenticate is refused, also after a restart), and each inbox's
/// size, kept by triggers so that the limit check on every stored message is one lookup, not a count of the inbox.
/// One connection, used by one caller at a time.
/// </summary>
public sealed class GatewayStore : IAsyncDisposable
{
    /// <summary>1: Nym's tables and authenticate_ivs. 2: inbox_sizes and its triggers.</summary>
    private const int SchemaVersion = 2;
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private GatewayStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating when needed) the store; fails with a message naming the file when it is unusable.</summary>
    public static async Task<GatewayStore> OpenAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                CREATE TABLE IF NOT EXISTS shared_keys (
                    client_address_bs58 TEXT NOT NULL PRIMARY KEY,
                    derived_aes128_ctr_blake3_hmac_keys_bs58 TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS message_store (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    client_address_bs58 TEXT NOT NULL,
                    content BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS message_store_index ON message_store (client_address_bs58, id);
                CREATE TABLE IF NOT EXISTS authenticate_ivs (
                    client_address_bs58 TEXT NOT NULL,
                    iv BLOB NOT NULL,
                    PRIMARY KEY (client_address_bs58, iv));
                """, cancellationToken);
            var version = await ScalarAsync<long>(connection, "PRAGMA user_version;", cancellationToken);
            if (version > SchemaVersion)
            {
                throw new InvalidDataException($"{path} was written by a newer nym-gateway (schema {version}); upgrade this gateway.");
            }

            // Counting a client's inbox for every message stored costs as much as the inbox is long (up to the limit,
            // 100 000), on the one delivery loop every client waits on: one address flooded while offline would slow
            // delivery for all. Hence a size per inbox, which the triggers keep exact whoever inserts or deletes.
            await ExecuteAsync(connection, """
                BEGIN;
                CREATE TABLE IF NOT EXISTS inbox_sizes (
                    client_address_bs58 TEXT NOT NULL PRIMARY KEY,
                    messages INTEGER NOT NULL);
                CREATE TRIGGER IF NOT EXISTS inbox_sizes_insert AFTER INSERT ON message_store BEGIN
                    INSERT INTO inbox_sizes (client_address_bs58, messages) VALUES (NEW.client_address_bs58, 1)
                    ON CONFLICT (client_address_bs58) DO UPDATE SET messages = messages + 1;
                END;
                CREATE TRIGGER IF NOT EXISTS inbox_sizes_delete AFTER DELETE ON message_store BEGIN
                    UPDATE inbox_sizes SET messages = messages - 1 WHERE client_address_bs58 = OLD.client_address_bs58;
                    DELETE FROM inbox_sizes WHERE client_address_bs58 = OLD.client_address_bs58 AND messages <= 0;
                END;
                COMMIT;
                """, cancellationToken);
            if (version < SchemaVersion)
            {
                // A file of schema 1 has inboxes but no sizes yet.
                await ExecuteAsync(connection, $"""
                    BEGIN;
                    DELETE FROM inbox_sizes;
                    INSERT INTO inbox_sizes (client_address_bs58, messages)
                        SELECT client_address_bs58, COUNT(*) FROM message_store GROUP BY client_address_bs58;
                    PRAGMA user_version = {SchemaVersion};
                    COMMIT;
                    """, cancellationToken);
            }
            return new GatewayStore(connection);
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync();
            throw new InvalidDataException($"{path}: cannot be used as the gateway's database ({e.Message}).", e);
        }
    }

    public async Task SaveSharedKeysAsync(Bytes32 client, GatewaySharedKeys keys, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var command = _connection.CreateCommand();
            // IVs accepted under the old keys prove nothing under new ones: a registration forgets them.
            command.CommandText = """
                INSERT INTO shared_keys (client_address_bs58, derived_aes128_ctr_blake3_hmac_keys_bs58) VALUES ($client, $keys)
                ON CONFLICT (client_address_bs58) DO UPDATE SET derived_aes128_ctr_blake3_hmac_keys_bs58 = excluded.derived_aes128_ctr_blake3_hmac_keys_bs58;
                DELETE FROM authenticate_ivs WHERE client_address_bs58 = $client;
                """;
            command.Parameters.AddWithValue("$client", Address(client));
            command.Parameters.AddWithValue("$keys", keys.ToBase58());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<GatewaySharedKeys?> FindSharedKeysAsync(Bytes32 client, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = "SELECT derived_aes128_ctr_blake3_hmac_keys_bs58 FROM shared_keys WHERE client_address_bs58 = $client;";
            command.Parameters.AddWithValue("$client", Address(client));
            return await command.ExecuteScalarAsync(cancellationToken) is string text && GatewaySharedKeys.TryFromBase58(text, out var keys) ? keys : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records an authenticate IV; false when this client already used it (a replay, D9).</summary>
    public async Task<bool> TryRecordAuthenticationIvAsync(Bytes32 client, byte[] iv, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO authenticate_ivs (client_address_bs58, iv) VALUES ($client, $iv);";
            command.Parameters.AddWithValue("$client", Address(client));
            command.Parameters.AddWithValue("$iv", iv);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Adds a message to the inbox of a client registered here, unless it already holds <paramref name="maxMessages"/>.
    /// Nym stores for any address, so made-up addresses could fill the disk; a real recipient has registered with its
    /// gateway before anyone can know its address.
    /// </summary>
    public async Task<bool> TryStoreMessageAsync(Bytes32 client, ReadOnlyMemory<byte> content, int maxMessages, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO message_store (client_address_bs58, content)
                SELECT $client, $content
                WHERE EXISTS (SELECT 1 FROM shared_keys WHERE client_address_bs58 = $client)
                  AND COALESCE((SELECT messages FROM inbox_sizes WHERE client_address_bs58 = $client), 0) < $max;
                """;
            command.Parameters.AddWithValue("$client", Address(client));
            command.Parameters.AddWithValue("$content", content.ToArray());
            command.Parameters.AddWithValue("$max", maxMessages);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The oldest messages of a client's inbox, at most <paramref name="limit"/> (Nym pages by 100).</summary>
    public async Task<IReadOnlyList<StoredMessage>> ReadOldestAsync(Bytes32 client, int limit, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, content FROM message_store WHERE client_address_bs58 = $client ORDER BY id LIMIT $limit;";
            command.Parameters.AddWithValue("$client", Address(client));
            command.Parameters.AddWithValue("$limit", limit);
            var messages = new List<StoredMessage>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messages.Add(new StoredMessage(reader.GetInt64(0), (byte[])reader.GetValue(1)));
            }

            return messages;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes a message once it has been written to the client's connection.</summary>
    public async Task DeleteMessageAsync(long id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM message_store WHERE id = $id;";
            command.Parameters.AddWithValue("$id", id);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<long> CountMessagesAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ScalarAsync<long>(_connection, "SELECT COUNT(*) FROM message_store;", cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        await _connection.DisposeAsync();
        _gate.Dispose();
    }

    private static string Address(Bytes32 client) => Base58.Encode(client.AsReadOnlySpan());

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(cancellationToken))!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
