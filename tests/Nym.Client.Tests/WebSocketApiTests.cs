using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Nym.Client.Api;
using Nym.Client.Hosting;
using Nym.Protocol.Encoding;
using Nym.Protocol.WebSocketApi;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// The websocket API (nym-client-api.md §2–5, D3–D7) over real sockets, in front of the in-memory
/// <see cref="StandInSession"/>: what the API itself does with apps' frames.
/// </summary>
public sealed class WebSocketApiTests : IAsyncDisposable
{
    private readonly TempDirectory _data = new("nym-client-api-");
    private readonly StandInSession _session = new();
    private WebApplication? _app;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Uri ApiUri => _app!.Services.GetRequiredService<ClientEndpoints>().WebSocket!;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task SelfAddress_is_answered_in_the_requests_frame_type()
    {
        await StartAsync();
        await using var app = await AppSocket.ConnectAsync(ApiUri);

        Assert.Equal(StandInSession.AddressText, await app.SelfAddressAsync());

        await app.SendAsync([0x02], WebSocketMessageType.Binary);
        var (type, bytes) = await app.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal([0x02, .. _session.Address.ToBytes()], bytes);
    }

    [Fact]
    public async Task Text_send_to_self_with_a_reply_surb_then_a_reply_through_it()
    {
        await StartAsync();
        await using var app = await AppSocket.ConnectAsync(ApiUri);
        var address = await app.SelfAddressAsync();

        await app.SendTextAsync($$"""{"type":"send","message":"Hello Nym!","recipient":"{{address}}","withReplySurb":true}""");
        var received = await app.ReceiveJsonAsync();

        Assert.Equal("received", (string?)received["type"]);
        Assert.Equal("Hello Nym!", (string?)received["message"]);
        var surb = (string)received["replySurb"]!;
        await app.SendTextAsync($$"""{"type":"reply","message":"hello from reply SURB!","replySurb":"{{surb}}"}""");
        await Eventually.TrueAsync(() => !_session.Replies.IsEmpty, "the reply to reach the session");
        Assert.True(_session.Replies.TryPeek(out var reply));
        Assert.Equal(Base58.Encode(reply.ReplySurb), surb);
        Assert.Equal("hello from reply SURB!", Encoding.UTF8.GetString(reply.Message));
    }

    [Fact]
    public async Task The_docs_forms_are_accepted_and_unknown_fields_ignored()
    {
        await StartAsync();
        await using var app = await AppSocket.ConnectAsync(ApiUri);

        // D6: recipient_address, no withReplySurb, a JSON object as the message; and a field nobody knows.
        await app.SendTextAsync($$"""{"type":"send","message":{"a":1},"recipient_address":"{{StandInSession.AddressText}}","colour":"blue"}""");
        var received = await app.ReceiveJsonAsync();

        Assert.Equal("""{"a":1}""", (string?)received["message"]);
        Assert.Null(received["replySurb"]);
    }

    [Fact]
    public async Task Binary_send_to_self_with_a_surb_then_a_reply()
    {
        await StartAsync();
        await using var app = await AppSocket.ConnectAsync(ApiUri);
        var message = Encoding.UTF8.GetBytes("foomp");

        await app.SendAsync(BinaryApiCodec.Encode(new SendRequest(_session.Address, message, withReplySurb: true)), WebSocketMessageType.Binary);
        var received = Assert.IsType<ReceivedResponse>(await app.ReceiveBinaryAsync());
        Assert.Equal(message, received.Message);
        Assert.NotNull(received.ReplySurb);

        await app.SendAsync(BinaryApiCodec.Encode(new ReplyRequest(received.ReplySurb, message)), WebSocketMessageType.Binary);
        await Eventually.TrueAsync(() => !_session.Replies.IsEmpty, "the reply to reach the session");
    }

    [Fact]
    public async Task Pushed_messages_are_text_until_a_binary_request_or_binary_when_asked()
    {
        await StartAsync();
        await using var text = await AppSocket.ConnectAsync(ApiUri);
        await using var binary = await AppSocket.ConnectAsync(new Uri(ApiUri, "/?format=binary"));
        await Eventually.TrueAsync(() => ConnectedApps == 2, "both apps to be connected");

        _session.Arrive("one"u8.ToArray());
        Assert.Equal("one", (string?)(await text.ReceiveJsonAsync())["message"]);
        Assert.IsType<ReceivedResponse>(await binary.ReceiveBinaryAsync());

        // D5: the last request's frame type decides, even a malformed one (as in Nym, §5).
        await text.SendAsync([0x07], WebSocketMessageType.Binary);
        Assert.IsType<ErrorResponse>(await text.ReceiveBinaryAsync());
        _session.Arrive("two"u8.ToArray());
        Assert.Equal("two"u8.ToArray(), Assert.IsType<ReceivedResponse>(await text.ReceiveBinaryAsync()).Message);
    }

    [Fact]
    public async Task Every_connected_app_gets_every_message()
    {
        await StartAsync();
        await using var first = await AppSocket.ConnectAsync(ApiUri);
        await using var second = await AppSocket.ConnectAsync(ApiUri);
        await Eventually.TrueAsync(() => ConnectedApps == 2, "both apps to be connected");

        for (int i = 0; i < 5; i++)
        {
            _session.Arrive(Encoding.UTF8.GetBytes($"m{i}"));
        }

        foreach (var app in new[] { first, second })
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal($"m{i}", (string?)(await app.ReceiveJsonAsync())["message"]);
            }
        }
    }

    [Fact]
    public async Task Messages_received_while_no_app_is_connected_go_to_the_next_app_oldest_first_also_after_a_restart()
    {
        await StartAsync();
        _session.Arrive("first"u8.ToArray());
        _session.Arrive("second"u8.ToArray(), StandInSession.RandomReplySurb());
        var store = _app!.Services.GetRequiredService<ReceivedStore>();
        await Eventually.TrueAsync(() => store.Count() == 2, "both messages to be stored");

        await StopAsync();
        await StartAsync();
        await using (var app = await AppSocket.ConnectAsync(ApiUri))
        {
            Assert.Equal("first", (string?)(await app.ReceiveJsonAsync())["message"]);
            var second = await app.ReceiveJsonAsync();
            Assert.Equal("second", (string?)second["message"]);
            Assert.NotNull((string?)second["replySurb"]);
        }

        var restarted = _app.Services.GetRequiredService<ReceivedStore>();
        await Eventually.TrueAsync(() => restarted.Count() == 0, "delivered messages to be deleted");
        await using var next = await AppSocket.ConnectAsync(ApiUri);
        Assert.Equal(StandInSession.AddressText, await next.SelfAddressAsync());
    }

    public static TheoryData<string, string, string> BadTextRequests => new()
    {
        { "not json", "not json at all", "malformed request:" },
        { "unknown type", """{"type":"foo"}""", "malformed request:unknown variant `foo`, expected one of `send`, `selfAddress`, `reply`" },
        { "bad recipient", """{"type":"send","message":"x","recipient":"nope","withReplySurb":false}""", "malformed request:recipient is malformed" },
        // nym-client-api.md §5 crash path 1: a reply SURB decoding to fewer than 16 bytes.
        { "empty reply SURB", """{"type":"reply","message":"x","replySurb":""}""", "malformed request:failed to recover reply SURB from bytes:" },
        { "reply too long", $$"""{"type":"reply","message":"{{new string('a', 1611)}}","replySurb":"{{Base58.Encode(StandInSession.RandomReplySurb())}}"}""",
            "other:too long message to put inside a reply SURB. Received: 1611 bytes and maximum is 1610 bytes" },
    };

    [Theory]
    [MemberData(nameof(BadTextRequests))]
    public async Task A_bad_text_request_gets_its_error_and_the_connection_stays_usable(string what, string request, string expected)
    {
        await StartAsync();
        await using var app = await AppSocket.ConnectAsync(ApiUri);

        await app.SendTextAsync(request);
        var error = await app.ReceiveJsonAsync();

        Assert.True("error" == (string?)error["type"], what);
        Assert.StartsWith(expected, (string)error["message"]!, StringComparison.Ordinal);
        Assert.Equal(StandInSession.AddressText, await app.SelfAddressAsync());
    }

    public static TheoryData<string, byte[], byte, string> BadBinaryRequests()
    {
        var surb = StandInSession.RandomReplySurb();
        var validSurbShortLength = new byte[1 + 8 + surb.Length + 4];
        validSurbShortLength[0] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(validSurbShortLength.AsSpan(1), (ulong)surb.Length);
        surb.CopyTo(validSurbShortLength, 9);
        var overlong = new byte[40];
        overlong[0] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(overlong.AsSpan(1), 40);
        return new()
        {
            { "empty frame", [], 0x01, "no data provided" },
            { "unknown tag", [0x07], 0x03, "type 7" },
            { "short send", [0x00, 0x00], 0x02, "not enough data provided to recover 'send'" },
            // §5 crash paths 2–4: a SURB under 16 bytes, a SURB length past the end, a SURB with no room for the length.
            { "reply with a 0-byte SURB", [0x01, .. new byte[16]], 0x04, "malformed reply surb:" },
            { "reply SURB length past the end", overlong, 0x04, "not enough data to recover reply surb" },
            { "reply without its message length", validSurbShortLength, 0x02, "not enough data provided to recover 'reply'" },
        };
    }

    [Theory]
    [MemberData(nameof(BadBinaryRequests))]
    public async Task A_bad_binary_request_gets_its_error_and_the_connection_stays_usable(string what, byte[] request, byte code, string expected)
    {
        await StartAsync();
        await using var app = await AppSocket.ConnectAsync(ApiUri);

        await app.SendAsync(request, WebSocketMessageType.Binary);
        var error = Assert.IsType<ErrorResponse>(await app.ReceiveBinaryAsync()).Error;

        Assert.True(code == (byte)error.Kind, $"{what}: {error}");
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(StandInSession.AddressText, await app.SelfAddressAsync());
    }

    [Fact]
    public async Task Plain_http_on_the_api_port_is_refused_and_apps_still_connect()
    {
        await StartAsync();

        // §5 crash path 5: a connection whose websocket handshake fails.
        using (var http = new HttpClient())
        {
            var response = await http.GetAsync(new UriBuilder(ApiUri) { Scheme = "http" }.Uri, Token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using (var probe = new TcpClient())
        {
            await probe.ConnectAsync(IPAddress.Loopback, ApiUri.Port, Token);
        }

        await using var app = await AppSocket.ConnectAsync(ApiUri);
        Assert.Equal(StandInSession.AddressText, await app.SelfAddressAsync());
    }

    [Fact]
    public async Task Invalid_utf8_in_a_text_frame_ends_that_connection_and_others_go_on()
    {
        await StartAsync();
        await using var other = await AppSocket.ConnectAsync(ApiUri);
        await using var app = await AppSocket.ConnectAsync(ApiUri);

        await app.SendAsync([0x7b, 0xff, 0xfe, 0x7d], WebSocketMessageType.Text);

        await app.AssertClosedForInvalidUtf8Async();
        Assert.Equal(StandInSession.AddressText, await other.SelfAddressAsync());
    }

    [Fact]
    public async Task A_message_over_64_MiB_closes_the_connection_with_a_reason()
    {
        await StartAsync();
        await using var app = await AppSocket.ConnectAsync(ApiUri);
        var chunk = new byte[1 << 20];

        // Sent in pieces so the test never holds the whole message; the client closes once past the limit.
        try
        {
            for (int i = 0; i <= 64; i++)
            {
                await app.Socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: i == 64, Token);
            }
        }
        catch (WebSocketException)
        {
            // The close may come while the rest is still being sent.
        }

        var (type, _) = await app.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, app.Socket.CloseStatus);
        Assert.Contains("64 MiB", app.Socket.CloseStatusDescription, StringComparison.Ordinal);

        await using var next = await AppSocket.ConnectAsync(ApiUri);
        Assert.Equal(StandInSession.AddressText, await next.SelfAddressAsync());
    }

    private int ConnectedApps => _app!.Services.GetRequiredService<AppHub>().ConnectedApps;

    private async Task StartAsync()
    {
        _app = ClientApp.Build(new ListenSettings(IPAddress.Loopback, 0, IPAddress.Loopback, 0), _data.Path, () => _session,
            services => services.RemoveAll<ILoggerProvider>());
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
