using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Nym.Protocol.Encoding;
using Nym.Protocol.WebSocketApi;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// What apps and files throw at the real nym-client process (D7): every bad input of issue 6's list, among them the
/// six inputs that kill Nym 1.0.1 (nym-client-api.md §5), a slow app, a damaged key file and an init that cannot work.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class ProcessRobustnessTests(Network network) : IDisposable
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _home = new("nym-client-robust-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Every_bad_request_gets_its_error_and_the_same_connection_then_works()
    {
        await using var client = await RunningClient.StartAsync(network, _home.Path, "robust");
        await using var app = await client.ConnectAsync();

        // A real reply SURB, for the inputs that need a well-formed one.
        await app.SendTextAsync($$"""{"type":"send","message":"surb please","recipient":"{{client.Address}}","withReplySurb":true}""");
        var surbText = (string)(await app.ReceiveJsonAsync(Delivery))["replySurb"]!;
        Assert.True(Base58.TryDecode(surbText, 4096, out var surb));

        var text = new (string What, string Request, string Expected)[]
        {
            ("not JSON", "not json at all", "malformed request:"),
            ("unknown request type", """{"type":"foo"}""", "malformed request:unknown variant `foo`"),
            ("malformed recipient", """{"type":"send","message":"x","recipient":"nope","withReplySurb":false}""", "malformed request:recipient is malformed"),
            // §5 crash path 1: a reply SURB decoding to fewer than 16 bytes.
            ("empty reply SURB", """{"type":"reply","message":"x","replySurb":""}""", "malformed request:failed to recover reply SURB from bytes:"),
            ("oversize reply", $$"""{"type":"reply","message":"{{new string('a', 1611)}}","replySurb":"{{surbText}}"}""",
                "other:too long message to put inside a reply SURB. Received: 1611 bytes and maximum is 1610 bytes"),
        };
        foreach (var (what, request, expected) in text)
        {
            await app.SendTextAsync(request);
            var error = await app.ReceiveJsonAsync();
            Assert.True("error" == (string?)error["type"], what);
            Assert.True(((string)error["message"]!).StartsWith(expected, StringComparison.Ordinal), $"{what}: {error["message"]}");
            Assert.Equal(client.Address, await app.SelfAddressAsync());
        }

        var overlong = new byte[40];
        overlong[0] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(overlong.AsSpan(1), 40);
        var surbWithoutLength = new byte[1 + 8 + surb.Length + 4];
        surbWithoutLength[0] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(surbWithoutLength.AsSpan(1), (ulong)surb.Length);
        surb.CopyTo(surbWithoutLength, 9);
        var binary = new (string What, byte[] Request, ErrorKind Kind, string Expected)[]
        {
            ("empty frame", [], ErrorKind.EmptyRequest, "no data provided"),
            ("unknown request tag", [0x07], ErrorKind.UnknownRequest, "type 7"),
            ("short send", [0x00, 0x00], ErrorKind.TooShortRequest, "not enough data provided to recover 'send'"),
            // §5 crash paths 2–4: a SURB under 16 bytes, a SURB length past the end, a SURB without the message length after it.
            ("reply with a 0-byte SURB", [0x01, .. new byte[16]], ErrorKind.MalformedRequest, "malformed reply surb:"),
            ("reply SURB length past the end", overlong, ErrorKind.MalformedRequest, "not enough data to recover reply surb"),
            ("reply SURB without the message length", surbWithoutLength, ErrorKind.TooShortRequest, "not enough data provided to recover 'reply'"),
        };
        foreach (var (what, request, kind, expected) in binary)
        {
            await app.SendAsync(request, WebSocketMessageType.Binary);
            var error = Assert.IsType<ErrorResponse>(await app.ReceiveBinaryAsync()).Error;
            Assert.True(kind == error.Kind, $"{what}: {error}");
            Assert.True(error.Message.StartsWith(expected, StringComparison.Ordinal), $"{what}: {error}");
            await app.SendAsync([0x02], WebSocketMessageType.Binary);
            Assert.Equal(client.Address, Assert.IsType<SelfAddressResponse>(await app.ReceiveBinaryAsync()).Address.ToBase58String());
        }

        // Unknown JSON fields are ignored: the request works (and a text request switches pushes back to text, D5).
        await app.SendTextAsync($$"""{"type":"send","nested":{"a":[1,2]},"message":"with extras","recipient":"{{client.Address}}","withReplySurb":false,"colour":"blue"}""");
        Assert.Equal("with extras", (string?)(await app.ReceiveJsonAsync(Delivery))["message"]);

        Assert.Equal(0, await client.StopAsync());
    }

    [Fact]
    public async Task Connections_that_break_the_protocol_are_closed_alone_and_the_process_goes_on()
    {
        await using var client = await RunningClient.StartAsync(network, _home.Path, "closer");

        // §5 crash path 5: connections whose websocket handshake fails (plain HTTP, a bare port probe).
        using (var http = new HttpClient())
        {
            var response = await http.GetAsync(new UriBuilder(client.Api) { Scheme = "http" }.Uri, Token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using (var probe = new TcpClient())
        {
            await probe.ConnectAsync(IPAddress.Loopback, client.Port, Token);
        }

        // Invalid UTF-8 in a text frame: that connection is closed with 1007.
        await using (var app = await client.ConnectAsync())
        {
            await app.SendAsync([0x7b, 0xff, 0xfe, 0x7d], WebSocketMessageType.Text);
            await app.AssertClosedForInvalidUtf8Async();
        }

        await using (var app = await client.ConnectAsync())
        {
            Assert.Equal(client.Address, await app.SelfAddressAsync());
        }

        // Over 64 MiB in one message: closed with the reason, in pieces so that the test never holds it all.
        await using (var app = await client.ConnectAsync())
        {
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
                // The close may come while the rest is still being sent.
            }

            var (type, _) = await app.ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Close, type);
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, app.Socket.CloseStatus);
            Assert.Contains("64 MiB", app.Socket.CloseStatusDescription, StringComparison.Ordinal);
        }

        // §5 crash path 6: messages arriving while apps come and go. Several sends to self, apps dropped meanwhile.
        await using (var sender = await client.ConnectAsync())
        {
            for (int i = 0; i < 5; i++)
            {
                await sender.SendTextAsync($$"""{"type":"send","message":"churn {{i}}","recipient":"{{client.Address}}"}""");
            }

            sender.Socket.Abort();
        }

        for (int i = 0; i < 20; i++)
        {
            var app = await client.ConnectAsync();
            if (i % 2 == 0)
            {
                app.Socket.Abort();
            }

            await app.DisposeAsync();
        }

        await using (var app = await client.ConnectAsync())
        {
            Assert.Equal(client.Address, await app.SelfAddressAsync());
            await app.SendTextAsync($$"""{"type":"send","message":"still here","recipient":"{{client.Address}}"}""");
            // Churned messages may come first (kept for this app, D4); then ours.
            string? message;
            do
            {
                message = (string?)(await app.ReceiveJsonAsync(Delivery))["message"];
            }
            while (message is not null && message.StartsWith("churn ", StringComparison.Ordinal));

            Assert.Equal("still here", message);
        }

        Assert.Equal(0, await client.StopAsync());
    }

    [Fact]
    public async Task A_slow_app_is_disconnected_with_a_reason_while_another_app_keeps_receiving()
    {
        await using var client = await RunningClient.StartAsync(network, _home.Path, "patient");
        await using var other = await client.ConnectAsync();
        var (slow, invoker) = await ConnectWithSmallReceiveBufferAsync(client.Api);
        using (invoker)
        using (slow)
        {
            // The slow app asks and asks but never reads: once more than the client's queue waits behind a full socket,
            // the client gives up on it (and says so in its log).
            const int Batch = 1000;
            for (int sent = 0; !client.Process.Output.Contains("did not keep up", StringComparison.Ordinal); sent += Batch)
            {
                Assert.True(sent < 2_000_000, $"the client never gave up on an app that does not read\n{client.Process.Output}");
                for (int i = 0; i < Batch; i++)
                {
                    await slow.SendAsync(new byte[] { 0x02 }, WebSocketMessageType.Binary, endOfMessage: true, Token);
                }
            }

            // The other app is not held up: it is answered and receives from the mixnet.
            Assert.Equal(client.Address, await other.SelfAddressAsync());
            await other.SendTextAsync($$"""{"type":"send","message":"not held up","recipient":"{{client.Address}}"}""");
            Assert.Equal("not held up", (string?)(await other.ReceiveJsonAsync(Delivery))["message"]);

            // The slow app, reading at last, finds what was already on its way and then the close with the reason.
            var buffer = new byte[64 * 1024];
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(Token);
            patience.CancelAfter(TimeSpan.FromSeconds(60));
            while ((await slow.ReceiveAsync(buffer, patience.Token)).MessageType != WebSocketMessageType.Close)
            {
            }

            Assert.Equal(WebSocketCloseStatus.PolicyViolation, slow.CloseStatus);
            Assert.Contains("too slow", slow.CloseStatusDescription, StringComparison.Ordinal);
        }

        Assert.Equal(client.Address, await other.SelfAddressAsync());
        Assert.Equal(0, await client.StopAsync());
    }

    [Fact]
    public async Task A_damaged_key_file_makes_run_fail_with_a_message_naming_the_file()
    {
        var init = await ClientProcess.RunToEndAsync(_home.Path, RunningClient.Environment(network), "init", "--id", "damaged");
        Assert.True(init.ExitCode == 0, init.Error);
        var file = new Nym.Client.Config.ClientPaths(_home.Path, "damaged").Data("private_identity.pem");
        var pem = await File.ReadAllTextAsync(file, Token);
        await File.WriteAllTextAsync(file, pem[..(pem.Length / 2)], Token);

        var run = await ClientProcess.RunToEndAsync(_home.Path, RunningClient.Environment(network), "run", "--id", "damaged", "--port", $"{Ports.Free()}");

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}\n{run.Output}\n{run.Error}");
        Assert.Contains(file, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_init_that_cannot_work_leaves_no_file_behind()
    {
        var unreachable = await ClientProcess.RunToEndAsync(_home.Path, null, "init", "--id", "nowhere", "--validators", "http://127.0.0.1:1");
        Assert.True(unreachable.ExitCode == 1, unreachable.Error);
        Assert.Contains("http://127.0.0.1:1/", unreachable.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_home.Path));

        var unknown = await ClientProcess.RunToEndAsync(_home.Path, RunningClient.Environment(network),
            "init", "--id", "nowhere", "--gateway", "4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");
        Assert.True(unknown.ExitCode == 1, unknown.Error);
        Assert.Contains("Unknown gateway 4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f", unknown.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_home.Path));
    }

    /// <summary>A websocket whose socket takes little before the sender must wait: a slow app shows up sooner.</summary>
    private static async Task<(ClientWebSocket Socket, HttpMessageInvoker Invoker)> ConnectWithSmallReceiveBufferAsync(Uri uri)
    {
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        });
        var webSocket = new ClientWebSocket();
        await webSocket.ConnectAsync(uri, invoker, Token);
        return (webSocket, invoker);
    }
}
