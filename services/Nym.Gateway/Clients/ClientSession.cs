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
    /// <summary>
    /// Payloads waiting for the socket. When it is full the client has fallen behind: new payloads go to the inbox,
    /// and the writer catches up from there once it has written the queue (nothing is dropped, order holds).
    /// </summary>
    private const int QueueCapacity = 1024;

    private readonly Channel<Outgoing> _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });

    private readonly CancellationTokenSource _replaced = new();
    private volatile bool _live;
    private volatile bool _behind;

    private enum OutgoingKind
    {
        Payload,
        Text,
        /// <summary>Wakes the writer to see that the client has fallen behind.</summary>
        Wake,
    }

    private readonly record struct Outgoing(OutgoingKind Kind, byte[] Data);

    public Bytes32 Client { get; } = client;

    public GatewaySharedKeys Keys { get; } = keys;

    /// <summary>Cancelled when a newer connection of the same client takes over (D9).</summary>
    public CancellationToken ReplacedToken => _replaced.Token;

    /// <summary>True while payloads go straight to the connection: once its inbox is written, and not while it is behind.</summary>
    public bool IsLive => _live;

    public void GoLive() => _live = true;

    public bool TryQueuePayload(ReadOnlyMemory<byte> payload) => _outgoing.Writer.TryWrite(new Outgoing(OutgoingKind.Payload, payload.ToArray()));

    public bool TryQueueText(string text) => _outgoing.Writer.TryWrite(new Outgoing(OutgoingKind.Text, System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The queue was full: payloads go to the inbox from now on (the caller holds the client's stripe lock) until the
    /// writer has caught up. The wake-up matters when the writer emptied the queue meanwhile and went to sleep; if the
    /// queue is still full, the writer finds <see cref="_behind"/> once it has written it.
    /// </summary>
    public void FallBehind()
    {
        _live = false;
        _behind = true;
        _outgoing.Writer.TryWrite(new Outgoing(OutgoingKind.Wake, []));
    }

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
    /// Writes queued items until the queue is completed or <paramref name="cancellationToken"/> fires; once the queue is
    /// written after the client fell behind, <paramref name="catchUp"/> writes the inbox and makes the session live
    /// again. Returns the payloads it did not write, the one it was writing included (a duplicate is better than a loss).
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> RunWriterAsync(Func<CancellationToken, Task> catchUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catchUp);
        var unsent = new List<byte[]>();
        var reader = _outgoing.Reader;
        try
        {
            while (true)
            {
                if (reader.TryRead(out var item))
                {
                    if (item.Kind == OutgoingKind.Text)
                    {
                        await socket.SendAsync(item.Data, WebSocketMessageType.Text, true, cancellationToken);
                    }
                    else if (item.Kind == OutgoingKind.Payload)
                    {
                        unsent.Add(item.Data);
                        await SendPayloadAsync(item.Data, cancellationToken);
                        unsent.Clear();
                    }
                }
                else if (_behind)
                {
                    _behind = false;
                    await catchUp(cancellationToken);
                }
                else if (!await reader.WaitToReadAsync(cancellationToken))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The connection ended or is ending; what is still queued is handed back to be kept.
        }

        _outgoing.Writer.TryComplete();
        while (reader.TryRead(out var item))
        {
            if (item.Kind == OutgoingKind.Payload)
            {
                unsent.Add(item.Data);
            }
        }

        return unsent;
    }

    public void Complete() => _outgoing.Writer.TryComplete();

    public void Dispose() => _replaced.Dispose();
}
