using System.Net.WebSockets;
using System.Threading.Channels;
using Nym.Protocol.Gateway;
using Nym.Sphinx;

namespace Nym.Gateway.Clients;

/// <summary>
/// One authenticated client connection: its shared keys and its websocket, written by one write loop fed by a bounded
/// channel (payloads pushed to the client and text replies), so that sends never overlap.
/// </summary>
public sealed class ClientSession(Bytes32 client, GatewaySharedKeys keys, WebSocket socket) : IDisposable
{
    /// <summary>Payloads waiting for the socket; when full, new ones go to the inbox instead (nothing is dropped).</summary>
    private const int QueueCapacity = 1024;

    private readonly Channel<(bool IsText, byte[] Data)> _outgoing =
        Channel.CreateBounded<(bool, byte[])>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });

    private readonly CancellationTokenSource _replaced = new();
    private volatile bool _live;

    public Bytes32 Client { get; } = client;

    public GatewaySharedKeys Keys { get; } = keys;

    /// <summary>Cancelled when a newer connection of the same client takes over (D9).</summary>
    public CancellationToken ReplacedToken => _replaced.Token;

    /// <summary>True once the inbox has been written: from then on payloads go straight to the connection.</summary>
    public bool IsLive => _live;

    public void GoLive() => _live = true;

    public bool TryQueuePayload(ReadOnlyMemory<byte> payload) => _outgoing.Writer.TryWrite((false, payload.ToArray()));

    public bool TryQueueText(string text) => _outgoing.Writer.TryWrite((true, System.Text.Encoding.UTF8.GetBytes(text)));

    public void Replace()
    {
        _live = false;
        try
        {
            _replaced.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // This connection ended while the newer one was attaching: nothing is left to stop.
        }
    }

    /// <summary>Encrypts a payload as a D1 binary frame (MAC ‖ IV ‖ ct) and sends it.</summary>
    public async Task SendPayloadAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new byte[GatewayFrame.GetEncryptedLength(payload.Length)];
        GatewayFrame.Encrypt(Keys, payload.Span, frame);
        await socket.SendAsync(frame, WebSocketMessageType.Binary, true, cancellationToken);
    }

    /// <summary>
    /// Writes queued items until the queue is completed or <paramref name="cancellationToken"/> fires; returns the
    /// payloads it did not write, the one it was writing included (a duplicate is better than a loss).
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> RunWriterAsync(CancellationToken cancellationToken)
    {
        var unsent = new List<byte[]>();
        try
        {
            await foreach (var (isText, data) in _outgoing.Reader.ReadAllAsync(cancellationToken))
            {
                if (isText)
                {
                    await socket.SendAsync(data, WebSocketMessageType.Text, true, cancellationToken);
                    continue;
                }

                unsent.Add(data);
                await SendPayloadAsync(data, cancellationToken);
                unsent.Clear();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The connection ended or is ending; what is still queued is handed back to be kept.
        }

        _outgoing.Writer.TryComplete();
        while (_outgoing.Reader.TryRead(out var item))
        {
            if (!item.IsText)
            {
                unsent.Add(item.Data);
            }
        }

        return unsent;
    }

    public void Complete() => _outgoing.Writer.TryComplete();

    public void Dispose() => _replaced.Dispose();
}
