using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nym.Protocol.Gateway;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>
/// A gateway that accepts the websocket and the authentication, then goes silent: it never reads again, so it answers
/// no ping and drains no frame, as a half-open connection behaves. The link must notice and connect again.
/// </summary>
public sealed class SilentGatewayTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AGatewayThatAnswersNoPingIsLeftAndConnectedAgain()
    {
        await using var gateway = await SilentGateway.StartAsync();
        await using var link = Link(gateway, keepAlive: TimeSpan.FromMilliseconds(500), sendTimeout: TimeSpan.FromMinutes(5));
        await link.ConnectAsync(TestContext.Current.CancellationToken);

        // Nothing is sent: only the unanswered pings can show that the connection is dead.
        await Eventually.TrueAsync(() => gateway.Accepted >= 2 && link.Connections >= 2, "a second connection after the pings went unanswered", Patience);
    }

    [Fact]
    public async Task AWriteTheGatewayDoesNotDrainTimesOutAndTheLinkConnectsAgain()
    {
        await using var gateway = await SilentGateway.StartAsync();
        await using var link = Link(gateway, keepAlive: TimeSpan.Zero, sendTimeout: TimeSpan.FromSeconds(1));
        await link.ConnectAsync(TestContext.Current.CancellationToken);

        // Frames pile up in the socket buffers until a write blocks; the send timeout then gives the connection up.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        var frame = new byte[32 * 1024];
        while (gateway.Accepted < 2 || link.Connections < 2)
        {
            await link.SendAsync(frame, timeout.Token);
        }

        Assert.True(link.Connections >= 2, $"{link.Connections} connection(s)");
    }

    private static GatewayLink Link(SilentGateway gateway, TimeSpan keepAlive, TimeSpan sendTimeout) =>
        new(gateway.Uri, RandomNumberGenerator.GetBytes(32), GatewaySharedKeys.FromKeys(new byte[16], new byte[16]), TimeSpan.FromSeconds(15),
            TimeProvider.System, NullLogger.Instance)
        {
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaximumBackoff = TimeSpan.FromMilliseconds(500),
            KeepAlive = keepAlive,
            SendTimeout = sendTimeout,
        };

    /// <summary>The silent gateway: a real websocket server on a free loopback port, counting connections.</summary>
    private sealed class SilentGateway : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly CancellationTokenSource _stopping = new();
        private int _accepted;

        private SilentGateway(WebApplication app) => _app = app;

        public Uri Uri => new(_app.Urls.Single().Replace("http://", "ws://", StringComparison.Ordinal));

        public int Accepted => Volatile.Read(ref _accepted);

        public static async Task<SilentGateway> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var gateway = new SilentGateway(app);

            // No pings of its own either: those would look like signs of life.
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.Run(gateway.HandleAsync);
            await app.StartAsync(TestContext.Current.CancellationToken);
            return gateway;
        }

        private async Task HandleAsync(HttpContext context)
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            Interlocked.Increment(ref _accepted);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                // The authenticate request, whatever it says, is accepted.
                var buffer = new byte[64 * 1024];
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(), done.Token);
                }
                while (!received.EndOfMessage);

                await socket.SendAsync(Encoding.UTF8.GetBytes(new AuthenticateResponse(true, 0).ToJson()), WebSocketMessageType.Text, true, done.Token);
                await Task.Delay(Timeout.Infinite, done.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
                // The client left, or the test is over.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
            _stopping.Dispose();
        }
    }
}
