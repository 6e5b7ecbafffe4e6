using Microsoft.Data.Sqlite;

namespace Nym.Client.Api;

/// <summary>
/// Messages that arrived while no app was connected (D4): kept in SQLite under the client's data directory, so they
/// survive a restart, and handed out oldest first. A message is deleted only once an app has been sent it.
/// Any peer can send us messages, so the store is capped (<see cref="ApiLimits"/>): when full it refuses new messages
/// and keeps the oldest, which are owed first and whose senders may already be waiting on them.
/// </summary>
internal sealed class ReceivedStore : IDisposable
{
    public const string FileName = "received_messages.sqlite";

    private const string Size = "length(message) + COALESCE(length(reply_surb), 0)";

    private readonly SqliteConnection _connection;
    private readonly ApiLimits _limits;
    private readonly Lock _lock = new();
    private long _count, _bytes;

    private ReceivedStore(SqliteConnection connection, ApiLimits limits)
    {
        _connection = connection;
        _limits = limits;
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*), COALESCE(SUM({Size}), 0) FROM received";
        using var reader = command.ExecuteReader();
        reader.Read();
        (_count, _bytes) = (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <exception cref="ReceivedStoreException">the database cannot be opened or is not ours; the message names the file.</exception>
    public static ReceivedStore Open(string dataDirectory, ApiLimits limits)
    {
        // With the shared KeyStore the keys live under its home, so nothing else has created this client's data directory.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDirectory);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = Path.Combine(dataDirectory, FileName);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS received (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    message BLOB NOT NULL,
                    reply_surb BLOB NULL);
                """;
            command.ExecuteNonQuery();
            return new ReceivedStore(connection, limits);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new ReceivedStoreException($"{path}: cannot be used as the store of undelivered messages ({e.Message}); move it away to start with an empty store");
        }
    }

    /// <summary>Keeps a message; false when the store is full (it keeps the older ones), nothing written.</summary>
    /// <exception cref="SqliteException">the database failed (e.g. the disk is full).</exception>
    public bool Add(InboundMessage message)
    {
        lock (_lock)
        {
            long size = message.Message.Length + (message.ReplySurb?.Length ?? 0);
            if (_count >= _limits.MaxStoredMessages || _bytes + size > _limits.MaxStoredBytes)
            {
                return false;
            }

            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO received (message, reply_surb) VALUES ($message, $surb)";
            command.Parameters.AddWithValue("$message", message.Message.ToArray());
            command.Parameters.AddWithValue("$surb", (object?)message.ReplySurb ?? DBNull.Value);
            command.ExecuteNonQuery();
            _count++;
            _bytes += size;
            return true;
        }
    }

    /// <summary>Up to <paramref name="limit"/> stored messages with ids above <paramref name="afterId"/>, oldest first.</summary>
    public IReadOnlyList<(long Id, InboundMessage Message)> ReadAfter(long afterId, int limit)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, message, reply_surb FROM received WHERE id > $after ORDER BY id LIMIT $limit";
            command.Parameters.AddWithValue("$after", afterId);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var messages = new List<(long, InboundMessage)>();
            while (reader.Read())
            {
                var surb = reader.IsDBNull(2) ? null : (byte[])reader[2];
                messages.Add((reader.GetInt64(0), new InboundMessage((byte[])reader[1], surb)));
            }

            return messages;
        }
    }

    public void Delete(long id)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"DELETE FROM received WHERE id = $id RETURNING {Size}";
            command.Parameters.AddWithValue("$id", id);
            if (command.ExecuteScalar() is long size)
            {
                _count--;
                _bytes -= size;
            }
        }
    }

    public long Count()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM received";
            return (long)command.ExecuteScalar()!;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _connection.Dispose();
        }
    }
}

internal sealed class ReceivedStoreException(string message) : Exception(message);
