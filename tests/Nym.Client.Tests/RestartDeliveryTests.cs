using System.Text;
using Microsoft.Data.Sqlite;
using Nym.Client.Api;
using Nym.Client.Config;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// D4 over real processes: messages that reach nym-client while no app is connected are kept on disk, survive a
/// SIGTERM and a new start, and go to the next app that connects, oldest first, each once.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class RestartDeliveryTests(Network network) : IDisposable
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _receiverHome = new("nym-client-d4-receiver-");
    private readonly TempDirectory _senderHome = new("nym-client-d4-sender-");

    private Dictionary<string, string> Environment => new() { ["NYM_VALIDATORS"] = network.Topology.HttpUri.ToString() };

    public void Dispose()
    {
        _receiverHome.Dispose();
        _senderHome.Dispose();
    }

    [Fact]
    public async Task Messages_received_with_no_app_survive_a_restart_and_reach_the_next_app_oldest_first_once()
    {
        Assert.Equal(0, (await ClientProcess.RunToEndAsync(_receiverHome.Path, Environment, "init", "--id", "dave", "--fastmode")).ExitCode);
        Assert.Equal(0, (await ClientProcess.RunToEndAsync(_senderHome.Path, Environment, "init", "--id", "erin", "--fastmode")).ExitCode);
        string receiverData = new ClientPaths(_receiverHome.Path, "dave").DataDirectory;
        string[] messages = ["d4 first", "d4 second, with a reply SURB", "d4 third"];

        int senderPort = Ports.Free();
        var (sender, _) = await ClientProcess.RunAsync(_senderHome.Path, Environment, "--id", "erin", "--port", $"{senderPort}");
        await using (sender)
        {
            await using var senderApp = await AppSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{senderPort}"));

            var (receiver, receiverAddress) = await ClientProcess.RunAsync(_receiverHome.Path, Environment, "--id", "dave", "--port", $"{Ports.Free()}");
            await using (receiver)
            {
                // One at a time, each waited for in the store: the mixnet may reorder messages in flight, and the
                // order of arrival is the order the next app must see.
                for (int i = 0; i < messages.Length; i++)
                {
                    await senderApp.SendTextAsync($$"""{"type":"send","message":"{{messages[i]}}","recipient":"{{receiverAddress}}","withReplySurb":{{(i == 1 ? "true" : "false")}}}""");
                    int expected = i + 1;
                    await Eventually.TrueAsync(() => Stored(receiverData).Count == expected, $"message {expected} in the receiver's store", Delivery);
                }

                Assert.True(0 == await receiver.StopAsync(), receiver.Output);
            }

            // Stopped: the messages are on disk, with the second one's reply SURB, not only in the process that is gone.
            var stored = Stored(receiverData);
            Assert.Equal(messages, stored.Select(m => m.Message));
            Assert.Equal([false, true, false], stored.Select(m => m.HasReplySurb));

            int receiverPort = Ports.Free();
            var (restarted, _) = await ClientProcess.RunAsync(_receiverHome.Path, Environment, "--id", "dave", "--port", $"{receiverPort}");
            await using (restarted)
            {
                await using var app = await AppSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{receiverPort}"));
                var delivered = new List<(string? Message, string? ReplySurb)>();
                foreach (var _ in messages)
                {
                    var received = await app.ReceiveJsonAsync(Delivery);
                    Assert.Equal("received", (string?)received["type"]);
                    delivered.Add(((string?)received["message"], (string?)received["replySurb"]));
                }

                Assert.Equal(messages, delivered.Select(d => d.Message));
                Assert.Null(delivered[0].ReplySurb);
                Assert.Null(delivered[2].ReplySurb);

                // Each once: handed out, they leave the store, and a second app gets none of them again.
                await Eventually.TrueAsync(() => Stored(receiverData).Count == 0, "the delivered messages to leave the store");
                await using (var second = await AppSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{receiverPort}")))
                {
                    await second.SendTextAsync("""{"type":"selfAddress"}""");
                    var first = await second.ReceiveJsonAsync();
                    Assert.True("selfAddress" == (string?)first["type"], $"a second app got {first.ToJsonString()} before its selfAddress answer");
                }

                // The reply SURB kept on disk across the restart still carries a reply back to the sender.
                Assert.NotNull(delivered[1].ReplySurb);
                await app.SendTextAsync($$"""{"type":"reply","message":"thanks, after a restart","replySurb":"{{delivered[1].ReplySurb}}"}""");
                var reply = await senderApp.ReceiveJsonAsync(Delivery);
                Assert.Equal("thanks, after a restart", (string?)reply["message"]);

                // Nothing more reaches the first app: no stored message is sent twice.
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.ReceiveAsync(TimeSpan.FromSeconds(3)));
                Assert.True(0 == await restarted.StopAsync(), restarted.Output);
            }
        }
    }

    /// <summary>The receiver's undelivered messages in store order, read with plain SQL so that reading changes nothing.</summary>
    private static List<(string Message, bool HasReplySurb)> Stored(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, ReceivedStore.FileName);
        if (!File.Exists(path))
        {
            return [];
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT message, reply_surb IS NOT NULL FROM received ORDER BY id";
        using var reader = command.ExecuteReader();
        var stored = new List<(string, bool)>();
        while (reader.Read())
        {
            stored.Add((Encoding.UTF8.GetString((byte[])reader[0]), reader.GetBoolean(1)));
        }

        return stored;
    }
}
