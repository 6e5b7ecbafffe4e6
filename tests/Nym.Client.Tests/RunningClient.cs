using Microsoft.Data.Sqlite;
using Nym.Client.Api;
using Nym.Client.Config;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// One nym-client process in standalone mode, initialised with <c>--fastmode</c> (Nym's fast traffic, so the tests
/// stay short) against the test network, serving its websocket API on a free port.
/// </summary>
internal sealed class RunningClient : IAsyncDisposable
{
    private RunningClient(string home, string id, int port, ClientProcess process, string address)
    {
        Home = home;
        Id = id;
        Port = port;
        Process = process;
        Address = address;
    }

    public string Home { get; }

    public string Id { get; }

    public int Port { get; private set; }

    public ClientProcess Process { get; private set; }

    /// <summary>The address the process printed at start.</summary>
    public string Address { get; }

    public Uri Api => new($"ws://127.0.0.1:{Port}");

    public ClientPaths Paths => new(Home, Id);

    public static Dictionary<string, string> Environment(Network network) => new() { ["NYM_VALIDATORS"] = network.Topology.HttpUri.ToString() };

    public static async Task<RunningClient> StartAsync(Network network, string home, string id)
    {
        var init = await ClientProcess.RunToEndAsync(home, Environment(network), "init", "--id", id, "--fastmode");
        Assert.True(init.ExitCode == 0, init.Error);
        int port = Ports.Free();
        var (process, address) = await ClientProcess.RunAsync(home, Environment(network), "--id", id, "--port", $"{port}");
        return new RunningClient(home, id, port, process, address);
    }

    public Task<AppSocket> ConnectAsync(string query = "") => AppSocket.ConnectAsync(new Uri(Api, query));

    /// <summary>SIGTERM; the exit code, which must be 0 for a clean stop.</summary>
    public Task<int> StopAsync() => Process.StopAsync();

    /// <summary>Runs the stopped client again (on a fresh port: the old one may linger) and checks that it keeps its address.</summary>
    public async Task RestartAsync(Network network)
    {
        await Process.DisposeAsync();
        Port = Ports.Free();
        var (process, address) = await ClientProcess.RunAsync(Home, Environment(network), "--id", Id, "--port", $"{Port}");
        Process = process;
        Assert.Equal(Address, address);
    }

    /// <summary>How many received messages wait on disk for an app (D4), read from the client's own SQLite file.</summary>
    public long StoredMessages() => Count(Path.Combine(Paths.DataDirectory, ReceivedStore.FileName), "SELECT COUNT(*) FROM received");

    /// <summary>A count from a live process's SQLite file, opened read-only so that the test never writes to it.</summary>
    public static long Count(string path, string query, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = query;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (long)command.ExecuteScalar()!;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
