using Microsoft.Data.Sqlite;
using Nym.Sphinx;

namespace Nym.Topology;

/// <summary>One stored row: the signed descriptor bytes as received (null once the node deregistered).</summary>
internal sealed record StoredNode(Bytes32 IdentityKey, byte[]? SignedDescriptor, long AnnouncedAtMs, long LastIssuedAtMs);

/// <summary>
/// The registrations in <c>&lt;data-dir&gt;/topology.sqlite</c>, so that they survive a restart. One connection,
/// used under a lock: writes are rare (one per announcement) and each commits durably before it is acknowledged.
/// </summary>
internal sealed class NodeStore : IDisposable
{
    public const string FileName = "topology.sqlite";

    // PRAGMA user_version: 0 is a new file; raise it with a migration step when the tables change.
    private const int SchemaVersion = 1;

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;

    private NodeStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Creates the directory and the database when missing; a failure names the directory and why.</summary>
    public static NodeStore Open(string dataDirectory)
    {
        SqliteConnection? connection = null;
        try
        {
            Directory.CreateDirectory(dataDirectory);
            var path = Path.Combine(dataDirectory, FileName);
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
                // WAL with NORMAL sync: a registration costs no fsync of the whole journal, and stays durable across a crash of the process.
                pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
                pragma.ExecuteNonQuery();
            }

            Migrate(connection);
            return new NodeStore(connection);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException or TopologyStartupException)
        {
            connection?.Dispose();
            throw e as TopologyStartupException
                ?? new TopologyStartupException($"cannot use the data directory {dataDirectory}: {e.Message}", e);
        }
    }

    public IReadOnlyList<StoredNode> LoadNodes()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT identity_key, descriptor, announced_at_ms, last_issued_at_ms FROM nodes";
            using var reader = command.ExecuteReader();
            var nodes = new List<StoredNode>();
            while (reader.Read())
            {
                var identity = (byte[])reader[0];
                if (identity.Length == 32)
                {
                    nodes.Add(new StoredNode(
                        Bytes32.From(identity), reader.IsDBNull(1) ? null : (byte[])reader[1], reader.GetInt64(2), reader.GetInt64(3)));
                }
            }

            return nodes;
        }
    }

    public ulong LoadRevision()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT value FROM meta WHERE key = 'revision'";
            return command.ExecuteScalar() is long revision ? (ulong)revision : 0;
        }
    }

    /// <summary>Writes a node's new state and the topology revision together, so neither is saved without the other.</summary>
    public void Save(StoredNode node, ulong revision)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = """
                    INSERT INTO nodes (identity_key, descriptor, announced_at_ms, last_issued_at_ms) VALUES ($id, $descriptor, $announced, $issued)
                    ON CONFLICT (identity_key) DO UPDATE SET descriptor = $descriptor, announced_at_ms = $announced, last_issued_at_ms = $issued
                    """;
                command.Parameters.AddWithValue("$id", node.IdentityKey.ToArray());
                command.Parameters.AddWithValue("$descriptor", (object?)node.SignedDescriptor ?? DBNull.Value);
                command.Parameters.AddWithValue("$announced", node.AnnouncedAtMs);
                command.Parameters.AddWithValue("$issued", node.LastIssuedAtMs);
                command.ExecuteNonQuery();
            }

            WriteRevision(revision);
            transaction.Commit();
        }
    }

    /// <summary>Forgets nodes for good (long silent ones): rows and nothing else.</summary>
    public void Delete(IReadOnlyCollection<Bytes32> identities)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM nodes WHERE identity_key = $id";
            var id = command.Parameters.Add("$id", SqliteType.Blob);
            foreach (var identity in identities)
            {
                id.Value = identity.ToArray();
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public void SaveRevision(ulong revision)
    {
        lock (_gate)
        {
            WriteRevision(revision);
        }
    }

    /// <summary>For /health: the database still answers.</summary>
    public bool IsReadable()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM meta";
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

    private void WriteRevision(ulong revision)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT INTO meta (key, value) VALUES ('revision', $value) ON CONFLICT (key) DO UPDATE SET value = $value";
        command.Parameters.AddWithValue("$value", (long)revision);
        command.ExecuteNonQuery();
    }

    private static void Migrate(SqliteConnection connection)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        long version = (long)read.ExecuteScalar()!;
        if (version == SchemaVersion)
        {
            return;
        }

        if (version != 0)
        {
            throw new TopologyStartupException(
                $"{FileName} has schema version {version}, but this nym-api knows only version {SchemaVersion}; use a newer nym-api or another --data-dir");
        }

        // A row whose descriptor is NULL is a node that deregistered: its last issued_at still refuses replays.
        using var transaction = connection.BeginTransaction();
        using var create = connection.CreateCommand();
        create.CommandText = $"""
            CREATE TABLE nodes (
                identity_key BLOB NOT NULL PRIMARY KEY,
                descriptor BLOB,
                announced_at_ms INTEGER NOT NULL,
                last_issued_at_ms INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE meta (key TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
            PRAGMA user_version = {SchemaVersion};
            """;
        create.ExecuteNonQuery();
        transaction.Commit();
    }
}

/// <summary>nym-api cannot start; the message says why in one line, for the operator.</summary>
public sealed class TopologyStartupException : Exception
{
    public TopologyStartupException()
    {
    }

    public TopologyStartupException(string message)
        : base(message)
    {
    }

    public TopologyStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
