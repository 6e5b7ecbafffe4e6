using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Nym.Protocol.WebSocketApi;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>An app's websocket to nym-client, as a test drives it.</summary>
internal sealed class AppSocket : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private AppSocket(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static async Task<AppSocket> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        return new AppSocket(socket);
    }

    public Task SendTextAsync(string json) => SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type) =>
        await Socket.SendAsync(bytes, type, endOfMessage: true, TestContext.Current.CancellationToken);

    public async Task<(WebSocketMessageType Type, byte[] Bytes)> ReceiveAsync(TimeSpan? patience = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(patience ?? Patience);
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        ValueWebSocketReceiveResult result;
        do
        {
            result = await Socket.ReceiveAsync(chunk.AsMemory(), timeout.Token);
            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, buffer.ToArray());
    }

    /// <summary>
    /// After invalid UTF-8 in a text frame .NET's websocket layer (under nym-client's handler) sends close 1007 and
    /// then aborts the TCP connection at once, so the app reads either that close frame or, when the abort overtakes
    /// it, a reset: the connection ends either way, and never with a response.
    /// </summary>
    public async Task AssertClosedForInvalidUtf8Async()
    {
        try
        {
            var (type, _) = await ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Close, type);
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, Socket.CloseStatus);
        }
        catch (WebSocketException e) when (e.WebSocketErrorCode == WebSocketError.ConnectionClosedPrematurely)
        {
            Assert.Equal(WebSocketState.Aborted, Socket.State);
        }
    }

    public async Task<JsonObject> ReceiveJsonAsync(TimeSpan? patience = null)
    {
        var (type, bytes) = await ReceiveAsync(patience);
        Assert.Equal(WebSocketMessageType.Text, type);
        return JsonNode.Parse(bytes)!.AsObject();
    }

    public async Task<ServerResponse> ReceiveBinaryAsync(TimeSpan? patience = null)
    {
        var (type, bytes) = await ReceiveAsync(patience);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.True(BinaryApiCodec.TryDecodeResponse(bytes, out var response, out var error), error?.ToString());
        return response;
    }

    public async Task<string> SelfAddressAsync()
    {
        await SendTextAsync("""{"type":"selfAddress"}""");
        var response = await ReceiveJsonAsync();
        Assert.Equal("selfAddress", (string?)response["type"]);
        return (string)response["address"]!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The other side is gone already.
            }
        }

        Socket.Dispose();
    }
}
