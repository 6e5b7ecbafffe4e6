using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Nym.Client.Api;
using Nym.Client.Hosting;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// What apps and peers can make the websocket API hold, and what a graceful stop keeps (D4), over real sockets and
/// the real SQLite store, in front of the in-memory <see cref="StandInSession"/>, with <see cref="ApiLimits"/> shrunk.
/// </summary>
public sealed class ApiLimitsTests : IAsyncDisposable
{
    private readonly TempDirectory _data = new("nym-client-limits-");
    private readonly StandInSession _session = new();
    private WebApplication? _app;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Uri ApiUri => _app!.Services.GetRequiredService<ClientEndpoints>().WebSocket!;

    private int ConnectedApps => _app!.Services.GetRequiredService<AppHub>().ConnectedApps;

    private ReceivedStore Store => _app!.Services.GetRequiredService<ReceivedStore>();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Messages_still_arriving_while_the_client_stops_are_kept_for_the_next_app_each_once()
    {
        await StartAsync(new ApiLimits());
        _session.Arrive("before"u8.ToArray());
        await Eventually.TrueAsync(() => Store.Count() == 1, "the first message to be stored");

        // As the core does on a graceful stop: what it received before it stopped taking from the gateway still comes out.
        _session.WhileStopping = () =>
        {
            _session.Arrive("while stopping 1"u8.ToArray());
            _session.Arrive("while stopping 2"u8.ToArray(), StandInSession.RandomReplySurb());
        };
        await StopAsync();
        _session.WhileStopping = null;

        await StartAsync(new ApiLimits());
        await using var app = await AppSocket.ConnectAsync(ApiUri);
        Assert.Equal("before", (string?)(await app.ReceiveJsonAsync())["message"]);
        Assert.Equal("while stopping 1", (string?)(await app.ReceiveJsonAsync())["message"]);
        var last = await app.ReceiveJsonAsync();
        Assert.Equal("while stopping 2", (string?)last["message"]);
        Assert.NotNull((string?)last["replySurb"]);
        await Eventually.TrueAsync(() => Store.Count() == 0, "delivered messages to leave the store");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.ReceiveAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task An_app_that_sends_over_64_MiB_and_then_never_reads_nor_closes_is_dropped_after_the_grace()
    {
        await StartAsync(new ApiLimits { CloseGrace = TimeSpan.FromSeconds(1) });
        await using var app = await AppSocket.ConnectAsync(ApiUri);
        await Eventually.TrueAsync(() => ConnectedApps == 1, "the app to be connected");
        var chunk = new byte[1 << 20];
        try
        {
            for (int i = 0; i <= 64; i++)
            {
                await app.Socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: i == 64, Token);
            }
        }
        catch (WebSocketException)
        {
            // Dropped while the rest was still being sent.
        }

        // The app neither reads our close frame nor sends its own: only the grace ends the connection.
        await Eventually.TrueAsync(() => ConnectedApps == 0, "the silent app to be dropped", TimeSpan.FromSeconds(30));
        await using var next = await AppSocket.ConnectAsync(ApiUri);
        Assert.Equal(StandInSession.AddressText, await next.SelfAddressAsync());
    }

    [Fact]
    public async Task A_full_store_keeps_the_oldest_messages_and_refuses_new_ones_by_count_and_by_bytes()
    {
        await StartAsync(new ApiLimits { MaxStoredMessages = 3, MaxStoredBytes = 20 });
        foreach (var message in new[] { "12345678", "abcdefghijk", "too long now", "z", "one too many", "and another" })
        {
            _session.Arrive(Encoding.UTF8.GetBytes(message));
        }

        // Stopping hands on everything that arrived, so every message has been offered to the store by now.
        await StopAsync();
        await StartAsync(new ApiLimits { MaxStoredMessages = 3, MaxStoredBytes = 20 });
        Assert.Equal(3, Store.Count());
        await using var app = await AppSocket.ConnectAsync(ApiUri);
        foreach (var expected in new[] { "12345678", "abcdefghijk", "z" })
        {
            Assert.Equal(expected, (string?)(await app.ReceiveJsonAsync())["message"]);
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.ReceiveAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_failing_store_loses_that_message_but_the_client_keeps_serving()
    {
        await StartAsync(new ApiLimits());
        var path = Path.Combine(_data.Path, ReceivedStore.FileName);
        using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        other.Open();
        Execute(other, "DROP TABLE received");

        int storeErrors = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "nym.client.messages_not_kept")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            // Only this test makes the store fail; other tests in the process may count other reasons.
            foreach (var tag in tags)
            {
                if (tag is { Key: "reason", Value: "store_error" })
                {
                    Interlocked.Add(ref storeErrors, (int)value);
                }
            }
        });
        listener.Start();

        _session.Arrive("nowhere to go"u8.ToArray());
        await Eventually.TrueAsync(() => Volatile.Read(ref storeErrors) >= 1, "the store failure to be counted");
        // Before, the failure faulted the dispatcher and stopped the client: nothing after it was handed on.
        Execute(other, "CREATE TABLE received (id INTEGER PRIMARY KEY AUTOINCREMENT, message BLOB NOT NULL, reply_surb BLOB NULL)");
        _session.Arrive("kept"u8.ToArray());
        await Eventually.TrueAsync(() => Store.Count() == 1, "the next message to be stored after the failure");

        await using var app = await AppSocket.ConnectAsync(ApiUri);
        Assert.Equal("kept", (string?)(await app.ReceiveJsonAsync())["message"]);
        Assert.Equal(StandInSession.AddressText, await app.SelfAddressAsync());
    }

    [Fact]
    public async Task Apps_beyond_the_limit_are_refused_with_503_until_one_leaves()
    {
        await StartAsync(new ApiLimits { MaxApps = 2 });
        await using var first = await AppSocket.ConnectAsync(ApiUri);
        await using var second = await AppSocket.ConnectAsync(ApiUri);

        using var third = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(ApiUri, Token));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.HttpStatusCode);
        Assert.Equal(StandInSession.AddressText, await second.SelfAddressAsync());

        await first.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", Token);
        await Eventually.TrueAsync(() => ConnectedApps == 1, "the first app to leave");
        await using var fourth = await AppSocket.ConnectAsync(ApiUri);
        Assert.Equal(StandInSession.AddressText, await fourth.SelfAddressAsync());
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async Task StartAsync(ApiLimits limits)
    {
        _app = ClientApp.Build(new ListenSettings(IPAddress.Loopback, 0, IPAddress.Loopback, 0), _data.Path, () => _session, services =>
        {
            services.RemoveAll<ILoggerProvider>();
            services.Replace(ServiceDescriptor.Singleton(limits));
        });
        await _app.StartAsync(Token);
    }

    private async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
            _app = null;
        }
    }
}
