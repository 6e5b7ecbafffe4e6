using Microsoft.Data.Sqlite;

namespace Nym.KeyStore;

/// <summary>The service could not start: its message says what is wrong and where.</summary>
public sealed class KeyStoreStartupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// <c>&lt;home&gt;/keystore/keystore.sqlite</c>: what Nym 1.0.1 keeps outside the client's PEM files, namely the
/// gateway a client registered with (in Nym, its config.toml) and the keys of the reply SURBs it handed out (in Nym,
/// the sled store data/reply_key_store, nym-client-api.md §6), and the digests of the reply keys already taken, so
/// that a reply that comes again is recognised by every crypto replica alike. One connection used under a lock: every
/// operation, take-and-delete included, is one transaction that no other call interleaves with.
/// </summary>
internal sealed class KeyStoreDatabase : IDisposable
{
    // PRAGMA user_version: 0 is a new file; raise it with a migration step when the tables change.
    private const int SchemaVersion = 2;

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private readonly int _maxReplyKeysPerClient;
    private readonly int _maxTakenDigestsPerClient;
    private readonly TimeProvider _time;

    /// <summary>
    /// The keys each recent batch took, by client and batch id (keystore.proto TakeReplyKeysRequest.batch_id), so that
    /// a retried batch gets them again. In memory only, on purpose: the window is minutes, and keeping used keys on
    /// disk would outlive it; a KeyStore restart in the middle of a retry loses only those replies.
    /// </summary>
    private readonly Dictionary<(string Client, string Batch), (DateTimeOffset Expires, List<(byte[] Digest, byte[] Key)> Taken)> _batches = [];

    /// <summary>How long a batch's takes are handed out again: far longer than a client's retries of one batch take.</summary>
    public static readonly TimeSpan BatchRetryWindow = TimeSpan.FromMinutes(5);

    /// <summary>How long a write waits for another connection's write (SQLite's busy_timeout), as long as a command may take.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Batches remembered at most (the oldest goes first): bounds the memory whatever the callers do.</summary>
    public const int MaxRememberedBatches = 10_000;

    private KeyStoreDatabase(SqliteConnection connection, int maxReplyKeysPerClient, int maxTakenDigestsPerClient, TimeProvider time)
    {
        _connection = connection;
        _maxReplyKeysPerClient = maxReplyKeysPerClient;
        _maxTakenDigestsPerClient = maxTakenDigestsPerClient;
        _time = time;
    }

    /// <summary>Creates the directory (mode 0700) and the database when missing; a failure names the file and why.</summary>
    public static KeyStoreDatabase Open(KeyStoreOptions options, TimeProvider time)
    {
        SqliteConnection? connection = null;
        var path = options.DatabasePath;
        try
        {
            KeyDirectories.Create(Path.GetDirectoryName(path)!);
            // No pooling: disposing the store must release the file, for a clean shutdown and for a restart in-process.
            connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
            }.ToString());
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                // WAL with NORMAL sync: a write costs no fsync of the whole journal and survives a crash of the process.
                // busy_timeout: another process may write the same file (standalone nym-clients sharing one home each
                // host a KeyStore on it); SQLite's busy handler then waits until that write ends, polling every few ms.
                // Without it Microsoft.Data.Sqlite retries a busy statement after a fixed 150 ms sleep, and a client's
                // receive path, which takes reply keys for every payload it opens, stalled for 150–275 ms at a time.
                pragma.CommandText = $"PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};";
                pragma.ExecuteNonQuery();
            }

            Migrate(connection, path);
            return new KeyStoreDatabase(connection, options.MaxReplyKeysPerClient, options.MaxTakenReplyDigestsPerClient, time);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
        {
            connection?.Dispose();
            throw new KeyStoreStartupException($"cannot use the KeyStore database {path}: {e.Message}", e);
        }
        catch (KeyStoreStartupException)
        {
            connection?.Dispose();
            throw;
        }
    }

    private static void Migrate(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        var version = (long)command.ExecuteScalar()!;
        if (version > SchemaVersion)
        {
            throw new KeyStoreStartupException(
                $"{path} has schema version {version}, newer than this nym-keystore knows ({SchemaVersion}); run a newer nym-keystore or restore a backup.");
        }

        if (version < 1)
        {
            using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            // reply_key_counts is kept by the triggers so that bounding a client's keys costs a lookup, not a count.
            command.CommandText = """
                CREATE TABLE gateways (client_id TEXT PRIMARY KEY, identity_key BLOB NOT NULL);
                CREATE TABLE reply_keys (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    client_id TEXT NOT NULL,
                    digest BLOB NOT NULL,
                    key BLOB NOT NULL,
                    UNIQUE (client_id, digest));
                CREATE INDEX reply_keys_by_age ON reply_keys (client_id, seq);
                CREATE TABLE reply_key_counts (client_id TEXT PRIMARY KEY, count INTEGER NOT NULL);
                CREATE TRIGGER reply_key_added AFTER INSERT ON reply_keys BEGIN
                    INSERT INTO reply_key_counts (client_id, count) VALUES (NEW.client_id, 1)
                        ON CONFLICT (client_id) DO UPDATE SET count = count + 1;
                END;
                CREATE TRIGGER reply_key_removed AFTER DELETE ON reply_keys BEGIN
                    UPDATE reply_key_counts SET count = count - 1 WHERE client_id = OLD.client_id;
                END;
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        if (version < 2)
        {
            using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            // Version 2: the digests of taken reply keys, bounded per client as reply_keys is (same trigger scheme).
            command.CommandText = """
                CREATE TABLE taken_reply_digests (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    client_id TEXT NOT NULL,
                    digest BLOB NOT NULL,
                    UNIQUE (client_id, digest));
                CREATE INDEX taken_reply_digests_by_age ON taken_reply_digests (client_id, seq);
                CREATE TABLE taken_reply_digest_counts (client_id TEXT PRIMARY KEY, count INTEGER NOT NULL);
                CREATE TRIGGER taken_reply_digest_added AFTER INSERT ON taken_reply_digests BEGIN
                    INSERT INTO taken_reply_digest_counts (client_id, count) VALUES (NEW.client_id, 1)
                        ON CONFLICT (client_id) DO UPDATE SET count = count + 1;
                END;
                CREATE TRIGGER taken_reply_digest_removed AFTER DELETE ON taken_reply_digests BEGIN
                    UPDATE taken_reply_digest_counts SET count = count - 1 WHERE client_id = OLD.client_id;
                END;
                PRAGMA user_version = 2;
                """;
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    public byte[]? GetGateway(string clientId)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT identity_key FROM gateways WHERE client_id = $id";
            command.Parameters.AddWithValue("$id", clientId);
            return command.ExecuteScalar() as byte[];
        }
    }

    public void SetGateway(string clientId, byte[] identityKey)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO gateways (client_id, identity_key) VALUES ($id, $key)
                ON CONFLICT (client_id) DO UPDATE SET identity_key = $key
                """;
            command.Parameters.AddWithValue("$id", clientId);
            command.Parameters.AddWithValue("$key", identityKey);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Forgets what a previous client of that id left here, before a new client takes the id.</summary>
    public void ForgetClient(string clientId)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.CommandText = """
                DELETE FROM gateways WHERE client_id = $id;
                DELETE FROM reply_keys WHERE client_id = $id;
                DELETE FROM taken_reply_digests WHERE client_id = $id;
                """;
            command.Parameters.AddWithValue("$id", clientId);
            command.ExecuteNonQuery();
            transaction.Commit();
            foreach (var batch in _batches.Keys.Where(k => k.Client == clientId).ToArray())
            {
                _batches.Remove(batch);
            }
        }
    }

    /// <summary>
    /// Stores keys (a digest already stored keeps its key) and then drops the client's oldest keys beyond the bound.
    /// Returns how many were added and how many old ones were dropped.
    /// </summary>
    public (int Added, int Dropped) StoreReplyKeys(string clientId, IReadOnlyList<(byte[] Digest, byte[] Key)> keys)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            int added = 0;
            using (var insert = _connection.CreateCommand())
            {
                insert.CommandText = "INSERT INTO reply_keys (client_id, digest, key) VALUES ($id, $digest, $key) ON CONFLICT (client_id, digest) DO NOTHING";
                insert.Parameters.AddWithValue("$id", clientId);
                var digest = insert.Parameters.Add("$digest", SqliteType.Blob);
                var key = insert.Parameters.Add("$key", SqliteType.Blob);
                foreach (var (d, k) in keys)
                {
                    digest.Value = d;
                    key.Value = k;
                    added += insert.ExecuteNonQuery();
                }
            }

            int dropped = 0;
            using (var trim = _connection.CreateCommand())
            {
                trim.CommandText = """
                    DELETE FROM reply_keys WHERE seq IN (
                        SELECT seq FROM reply_keys WHERE client_id = $id ORDER BY seq
                        LIMIT max(0, (SELECT count FROM reply_key_counts WHERE client_id = $id) - $max))
                    """;
                trim.Parameters.AddWithValue("$id", clientId);
                trim.Parameters.AddWithValue("$max", _maxReplyKeysPerClient);
                dropped = trim.ExecuteNonQuery();
            }

            transaction.Commit();
            return (added, dropped);
        }
    }

    /// <summary>
    /// Returns and deletes, in one transaction, the keys of those digests that are stored, and records their digests as
    /// taken: each key is returned once only. <c>AlreadyTaken</c> lists the digests asked for whose keys an earlier call
    /// took (within the bound, <see cref="KeyStoreOptions.MaxTakenReplyDigestsPerClient"/>). Each distinct digest counts
    /// once, however often it is asked for. With a <paramref name="batchId"/>, the keys an earlier take of the same
    /// client and batch got within <see cref="BatchRetryWindow"/> come back again as taken, not as already taken.
    /// </summary>
    public (List<(byte[] Digest, byte[] Key)> Taken, List<byte[]> AlreadyTaken) TakeReplyKeys(string clientId, IEnumerable<byte[]> digests, byte[]? batchId = null)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var batch = batchId is { Length: > 0 } ? (clientId, Convert.ToHexString(batchId)) : default;
            var earlier = new Dictionary<byte[], byte[]>(ByteArrayComparer.Instance);
            if (batchId is { Length: > 0 })
            {
                ForgetExpiredBatches(now);
                if (_batches.TryGetValue(batch, out var remembered))
                {
                    foreach (var (digest, key) in remembered.Taken)
                    {
                        earlier[digest] = key;
                    }
                }
            }

            using var transaction = _connection.BeginTransaction();
            using var take = Command("DELETE FROM reply_keys WHERE client_id = $id AND digest = $digest RETURNING key", clientId, out var takeDigest);
            using var record = Command("INSERT INTO taken_reply_digests (client_id, digest) VALUES ($id, $digest) ON CONFLICT (client_id, digest) DO NOTHING", clientId, out var recordDigest);
            using var seen = Command("SELECT 1 FROM taken_reply_digests WHERE client_id = $id AND digest = $digest", clientId, out var seenDigest);
            var taken = new List<(byte[], byte[])>();
            var alreadyTaken = new List<byte[]>();
            var asked = new HashSet<byte[]>(ByteArrayComparer.Instance);
            foreach (var d in digests)
            {
                if (!asked.Add(d))
                {
                    continue;
                }

                if (earlier.TryGetValue(d, out var again))
                {
                    taken.Add((d, again));
                    continue;
                }

                takeDigest.Value = d;
                if (take.ExecuteScalar() is byte[] key)
                {
                    recordDigest.Value = d;
                    record.ExecuteNonQuery();
                    taken.Add((d, key));
                    continue;
                }

                seenDigest.Value = d;
                if (seen.ExecuteScalar() is not null)
                {
                    alreadyTaken.Add(d);
                }
            }

            if (taken.Count > 0)
            {
                using var trim = _connection.CreateCommand();
                trim.CommandText = """
                    DELETE FROM taken_reply_digests WHERE seq IN (
                        SELECT seq FROM taken_reply_digests WHERE client_id = $id ORDER BY seq
                        LIMIT max(0, (SELECT count FROM taken_reply_digest_counts WHERE client_id = $id) - $max))
                    """;
                trim.Parameters.AddWithValue("$id", clientId);
                trim.Parameters.AddWithValue("$max", _maxTakenDigestsPerClient);
                trim.ExecuteNonQuery();
            }

            transaction.Commit();
            if (batchId is { Length: > 0 } && taken.Count > earlier.Count)
            {
                Remember(batch, taken, earlier, now);
            }

            return (taken, alreadyTaken);
        }
    }

    private void ForgetExpiredBatches(DateTimeOffset now)
    {
        foreach (var expired in _batches.Where(b => b.Value.Expires <= now).Select(b => b.Key).ToArray())
        {
            _batches.Remove(expired);
        }
    }

    /// <summary>Adds this take's new keys to its batch; the window runs from the batch's first take.</summary>
    private void Remember((string, string) batch, List<(byte[] Digest, byte[] Key)> taken, Dictionary<byte[], byte[]> earlier, DateTimeOffset now)
    {
        if (!_batches.TryGetValue(batch, out var entry))
        {
            if (_batches.Count >= MaxRememberedBatches)
            {
                _batches.Remove(_batches.MinBy(b => b.Value.Expires).Key);
            }

            entry = (now + BatchRetryWindow, []);
            _batches[batch] = entry;
        }

        entry.Taken.AddRange(taken.Where(t => !earlier.ContainsKey(t.Digest)));
    }

    /// <summary>A command of the client's reply digests: <c>$id</c> set, <c>$digest</c> for the caller to fill.</summary>
    private SqliteCommand Command(string text, string clientId, out SqliteParameter digest)
    {
        var command = _connection.CreateCommand();
        command.CommandText = text;
        command.Parameters.AddWithValue("$id", clientId);
        digest = command.Parameters.Add("$digest", SqliteType.Blob);
        return command;
    }

    /// <summary>For the health check: the database answers a query.</summary>
    public bool IsReadable()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM gateways";
            return command.ExecuteScalar() is long;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }
}

/// <summary>Byte arrays equal by contents, for sets of digests.</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
