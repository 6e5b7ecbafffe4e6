using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Nym.Protocol.Gateway;

namespace Nym.Client.Core;

/// <summary>One whole websocket message from the gateway.</summary>
internal sealed record GatewayMessage(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>Reading and writing whole messages on a client's websocket to its gateway (nym-mixnet.md §5).</summary>
internal static class GatewaySocket
{
    /// <summary>The largest message a gateway sends: an extended packet's payload in a D1 frame, with room to spare.</summary>
    public const int MaxMessageLength = 64 * 1024;

    /// <summary>Ping interval and pong timeout unless told otherwise: a dead gateway is noticed within about 30 s.</summary>
    public static readonly TimeSpan DefaultKeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Opens the websocket; throws <see cref="WebSocketException"/> or <see cref="OperationCanceledException"/>.
    /// Every <paramref name="keepAlive"/> it pings the gateway and aborts the connection when no pong comes within as
    /// long again, so that a half-open connection (the gateway's host gone without a FIN) is noticed and the link
    /// reconnects instead of writing into the void; <see cref="TimeSpan.Zero"/> switches that off.
    /// </summary>
    public static async Task<ClientWebSocket> ConnectAsync(Uri listener, TimeSpan keepAlive, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = keepAlive;
        socket.Options.KeepAliveTimeout = keepAlive == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : keepAlive;
        try
        {
            await socket.ConnectAsync(listener, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next whole message; null when the gateway closed. Throws <see cref="InvalidDataException"/> when it is too long.</summary>
    public static async Task<GatewayMessage?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= MaxMessageLength)
                    {
                        throw new InvalidDataException($"the gateway sent a message over {MaxMessageLength} bytes");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(2 * buffer.Length);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    return new GatewayMessage(result.MessageType, buffer.AsSpan(0, length).ToArray());
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static Task SendTextAsync(WebSocket socket, GatewayTextMessage message, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJson()), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Says goodbye when it can, within a second; never throws.</summary>
    public static async Task CloseQuietlyAsync(WebSocket socket)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone already.
        }
        finally
        {
            socket.Dispose();
        }
    }
}
