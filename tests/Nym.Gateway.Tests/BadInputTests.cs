using System.Net;
using System.Net.Sockets;
using Nym.Gateway.Clients;
using Nym.TestNetwork;
using Nym.Protocol.Framing;
using Nym.Protocol.Gateway;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>
/// Whatever a client or a stranger sends closes at most its own connection (DESIGN.md D7 and the gateway's
/// contract): a client that behaves keeps sending and receiving on the same gateway through all of it.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class BadInputTests(Network network)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_binary_frame_before_authentication_gets_an_error_and_a_close()
    {
        var stranger = new TestClient(network);
        await using var connection = await stranger.ConnectAsync();

        await connection.SendBinaryAsync(new byte[100]);

        var error = Assert.IsType<ErrorResponse>(Assert.IsType<TextFrame>(await connection.NextAsync()).Message);
        Assert.Equal(ErrorResponse.BinaryBeforeAuthentication.Message, error.Message);
        await connection.ClosedAsync();
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"type\":\"noSuchRequest\"}")]
    [InlineData("{\"type\":\"handshakePayload\",\"data\":[1,2,3]}")]
    [InlineData("{\"type\":\"authenticate\",\"address\":\"x\"}")]
    public async Task A_bad_first_request_gets_an_error_and_a_close(string text)
    {
        var stranger = new TestClient(network);
        await using var connection = await stranger.ConnectAsync();

        await connection.SendTextAsync(text);

        var reply = Assert.IsType<TextFrame>(await connection.NextAsync()).Message;
        Assert.True(reply is ErrorResponse or HandshakeErrorMessage, $"got {reply}");
        await connection.ClosedAsync();
    }

    [Fact]
    public async Task Bad_frames_after_authentication_close_only_their_connection()
    {
        var carol = new TestClient(network);
        var (carolConnection, _) = await carol.RegisterAsync();
        await using var c = carolConnection;
        await RoundTripAsync(carol, carolConnection, "before");
        var mallory = new TestClient(network);
        var (registration, _) = await mallory.RegisterAsync();
        await registration.DisposeAsync();
        var packetFrame = mallory.Frame(new byte[1 + 7 + PacketSize.Regular.PacketLength()]);
        var badMac = (byte[])packetFrame.Clone();
        badMac[^1] ^= 1;

        // Text requests get an error reply before the close (as Nym answers a malformed request); frames do not.
        var abuses = new (string What, bool ErrorReply, Func<GatewayConnection, Task> Send)[]
        {
            ("garbage text", true, m => m.SendTextAsync("garbage }{")),
            ("unknown JSON", true, m => m.SendTextAsync("{\"type\":\"somethingElse\",\"x\":1}")),
            ("a second authenticate", true, m => m.SendTextAsync(mallory.NewAuthenticateRequest().ToJson())),
            ("an oversize frame", false, m => m.SendBinaryAsync(new byte[ClientConnectionHandler.MaxClientFrame + 1])),
            ("a frame with a bad MAC", false, m => m.SendBinaryAsync(badMac)),
            ("a frame too short for a MAC", false, m => m.SendBinaryAsync(new byte[10])),
            ("a frame that holds no packet", false, m => m.SendBinaryAsync(mallory.Frame("not a packet"u8.ToArray()))),
        };
        foreach (var (what, errorReply, send) in abuses)
        {
            var (connection, response, _) = await mallory.AuthenticateAsync();
            await using var m = connection;
            Assert.True(response.Status, what);

            await send(connection);

            if (errorReply)
            {
                Assert.IsType<ErrorResponse>(Assert.IsType<TextFrame>(await connection.NextAsync()).Message);
            }

            await connection.ClosedAsync();
            await RoundTripAsync(carol, carolConnection, what);
        }
    }

    [Fact]
    public async Task Garbage_bytes_on_raw_tcp_to_the_clients_and_mix_ports_disturb_nothing()
    {
        var carol = new TestClient(network);
        var (carolConnection, _) = await carol.RegisterAsync();
        await using var c = carolConnection;
        var garbage = new byte[64 * 1024];
        new Random(1).NextBytes(garbage);

        foreach (var port in new[] { network.GatewayConfig.ClientsPort, network.GatewayConfig.MixPort })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port, Token);
            var stream = tcp.GetStream();
            try
            {
                await stream.WriteAsync(garbage, Token);
            }
            catch (IOException)
            {
                // The gateway may close before it has read everything.
            }

            // The gateway closes the connection: reads end (or fail with a reset) rather than hang.
            await DrainUntilClosedAsync(stream);
            await RoundTripAsync(carol, carolConnection, $"garbage on port {port}");
        }
    }

    private static async Task RoundTripAsync(TestClient client, GatewayConnection connection, string after)
    {
        var message = System.Text.Encoding.UTF8.GetBytes($"still working after {after}");
        var fragments = await client.SendAsync(connection, client.Address, message);
        Assert.Equal(message, Assert.Single(await client.ReceiveAsync(connection, messages: 1, acks: fragments)));
    }

    private static async Task DrainUntilClosedAsync(NetworkStream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset by the gateway: closed too.
        }
    }
}
