using System.Net.WebSockets;
using System.Threading.Channels;
using Nym.Protocol.WebSocketApi;

namespace Nym.Client.Api;

/// <summary>
/// One app's websocket (nym-client-api.md §1–3): one read loop that answers requests, one write loop fed by a bounded
/// queue, so that a slow app never holds up the others (it is disconnected with a reason when its queue overflows).
/// </summary>
internal sealed partial class AppConnection : IDisposable
{
    /// <summary>tungstenite's default limit, which Nym 1.0.1 runs with (§1): a longer message closes the connection.</summary>
    public const int MaxMessageLength = 64 << 20;

    /// <summary>Messages and responses waiting for one app; a full queue means the app does not keep up.</summary>
    public const int QueueCapacity = 512;

    /// <summary>
    /// Messages kept for a closing app beyond its queue; the closing lasts at most a grace period, and these bound what
    /// an app that never reads can make us hold meanwhile (the hub keeps the rest, <see cref="AppHub"/>).
    /// </summary>
    public const int LateCapacity = QueueCapacity;

    private const int ReceiveChunk = 64 * 1024;
    private const int StoredPage = 64;

    private readonly WebSocket _socket;
    private readonly AppHub _hub;
    private readonly ILogger _logger;
    private readonly Channel<Outgoing> _queue = Channel.CreateBounded<Outgoing>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _abort = new();
    private readonly List<InboundMessage> _late = [];
    private (WebSocketCloseStatus Status, string Reason)? _close;
    private volatile bool _binaryPushes;

    /// <param name="binary">D5: pushed messages start as text unless the app asked for binary (<c>?format=binary</c>).</param>
    public AppConnection(WebSocket socket, AppHub hub, bool binary, ILogger logger)
    {
        _socket = socket;
        _hub = hub;
        _binaryPushes = binary;
        _logger = logger;
    }

    /// <summary>Serves the app until it closes, breaks the protocol, falls behind or the client stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var stop = stopping.Register(() => RequestClose(WebSocketCloseStatus.EndpointUnavailable, "the nym-client is shutting down", _hub.Limits.CloseGrace));
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The app went away or broke the websocket protocol (e.g. invalid UTF-8 in a text frame, which the
            // websocket layer answers with close code 1007 itself): nothing more to read.
            Log.Dropped(_logger, e);
        }
        finally
        {
            RequestClose(WebSocketCloseStatus.NormalClosure, "", _hub.Limits.CloseGrace);
            _abort.CancelAfter(_hub.Limits.CloseGrace);
            await writer.ConfigureAwait(false);
            await _abort.CancelAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _abort.Dispose();

    /// <summary>
    /// Queues a message pushed from the mixnet; an app found fallen behind is closed. Messages that do not fit, or come
    /// while the connection closes, are kept for <see cref="Unsent"/>, up to <see cref="LateCapacity"/>; false when
    /// this one was not kept. Called under the hub's lock, as is <see cref="Unsent"/>.
    /// </summary>
    public bool Push(InboundMessage message)
    {
        if (_close is null && _queue.Writer.TryWrite(new Outgoing(null, message, null, 0)))
        {
            return true;
        }

        if (_close is null)
        {
            CloseSlowApp($"too slow: more than {QueueCapacity} messages waiting to be read");
        }

        if (_late.Count >= LateCapacity)
        {
            return false;
        }

        _late.Add(message);
        return true;
    }

    /// <summary>Live messages that were given to this app but never sent, in order, once the connection has ended (D4 keeps them).</summary>
    public IEnumerable<InboundMessage> Unsent()
    {
        while (_queue.Reader.TryRead(out var item))
        {
            if (item.Live is { } message && item.StoredId == 0)
            {
                yield return message;
            }
        }

        foreach (var message in _late)
        {
            yield return message;
        }
    }

    private void Respond(ServerResponse response, WebSocketMessageType type)
    {
        if (!_queue.Writer.TryWrite(new Outgoing(response, null, type, 0)))
        {
            CloseSlowApp($"too slow: more than {QueueCapacity} responses waiting to be read");
        }
    }

    /// <summary>
    /// D3: one app that does not keep up must not hold up the others, so it is closed with the reason, which it reads
    /// after what is already on its way; if it does not read even that within <see cref="ApiLimits.SlowAppGrace"/>, it is dropped.
    /// </summary>
    private void CloseSlowApp(string reason)
    {
        RequestClose(WebSocketCloseStatus.PolicyViolation, reason, _hub.Limits.SlowAppGrace);
        Log.SlowApp(_logger, QueueCapacity);
    }

    /// <summary>
    /// The first reason wins; the write loop sends the close frame after what it is sending now. Whatever the reason,
    /// the app then has <paramref name="grace"/> to answer before both loops are cancelled: an app that never answers
    /// must not keep its read loop and its receive buffer (up to 64 MiB) forever.
    /// </summary>
    private void RequestClose(WebSocketCloseStatus status, string reason, TimeSpan grace)
    {
        lock (_queue)
        {
            if (_close is not null)
            {
                return;
            }

            _close = (status, reason);
            _abort.CancelAfter(grace);
        }

        _queue.Writer.TryComplete();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[ReceiveChunk];
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult result;
            bool tooLong = false;
            do
            {
                if (length == buffer.Length && !tooLong)
                {
                    if (buffer.Length >= MaxMessageLength)
                    {
                        // §1: over tungstenite's limit Nym closes the connection; we say why (D7), then skip the rest.
                        tooLong = true;
                        RequestClose(WebSocketCloseStatus.MessageTooBig, $"a message may be at most {MaxMessageLength >> 20} MiB", _hub.Limits.CloseGrace);
                    }
                    else
                    {
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxMessageLength));
                    }
                }

                var target = tooLong ? buffer.AsMemory(0, ReceiveChunk) : buffer.AsMemory(length);
                result = await _socket.ReceiveAsync(target, _abort.Token).ConfigureAwait(false);
                length = tooLong ? buffer.Length : length + result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            if (tooLong || _close is not null)
            {
                // Closing: what the app still sends is read (until its close frame) but not acted on.
                continue;
            }

            await HandleAsync(buffer.AsMemory(0, length), result.MessageType).ConfigureAwait(false);
            if (buffer.Length > ReceiveChunk)
            {
                buffer = new byte[ReceiveChunk];
            }
        }
    }

    /// <summary>
    /// One request (§2–3). The push format follows the last request's frame type, set before parsing as Nym does (§5),
    /// so a malformed request switches it too. Bad input gets its error response and the connection stays (D7).
    /// </summary>
    private async Task HandleAsync(ReadOnlyMemory<byte> frame, WebSocketMessageType type)
    {
        bool binary = type == WebSocketMessageType.Binary;
        _binaryPushes = binary;
        bool decoded = binary
            ? BinaryApiCodec.TryDecodeRequest(frame.Span, out var request, out var error)
            : TextApiCodec.TryDecodeRequest(frame.Span, out request, out error);
        if (!decoded)
        {
            Respond(new ErrorResponse(error!), type);
            return;
        }

        string? refusal = null;
        switch (request)
        {
            case SelfAddressRequest:
                Respond(new SelfAddressResponse(_hub.Session.Address), type);
                break;
            case SendRequest send:
                refusal = await _hub.Session.SendAsync(send.Recipient, send.Message, send.WithReplySurb, _abort.Token).ConfigureAwait(false);
                break;
            case ReplyRequest reply when reply.LengthError is { } tooLong:
                Respond(new ErrorResponse(tooLong), type);
                break;
            case ReplyRequest reply:
                refusal = await _hub.Session.SendReplyAsync(reply.ReplySurb, reply.Message, _abort.Token).ConfigureAwait(false);
                break;
        }

        if (refusal is not null)
        {
            Respond(new ErrorResponse(new WebSocketApiError(ErrorKind.Other, refusal)), type);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await SendStoredAsync().ConfigureAwait(false);
            await foreach (var item in _queue.Reader.ReadAllAsync(_abort.Token).ConfigureAwait(false))
            {
                if (_close is not null)
                {
                    break;
                }

                await SendAsync(item).ConfigureAwait(false);
            }

            var (status, reason) = _close ?? (WebSocketCloseStatus.NormalClosure, "");
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, reason, _abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The app is gone or did not take our close in time.
            _socket.Abort();
        }
    }

    /// <summary>D4: what arrived while no app was connected goes first, oldest first, each deleted once sent.</summary>
    private async Task SendStoredAsync()
    {
        long last = 0;
        while (_close is null)
        {
            var page = _hub.Store.ReadAfter(last, StoredPage);
            if (page.Count == 0)
            {
                return;
            }

            foreach (var (id, message) in page)
            {
                if (_close is not null)
                {
                    return;
                }

                await SendAsync(new Outgoing(null, message, null, id)).ConfigureAwait(false);
                last = id;
            }
        }
    }

    private async Task SendAsync(Outgoing item)
    {
        var type = item.Type ?? (_binaryPushes ? WebSocketMessageType.Binary : WebSocketMessageType.Text);
        var response = item.Response ?? new ReceivedResponse(item.Live!.Message.ToArray(), item.Live.ReplySurb);
        var bytes = type == WebSocketMessageType.Binary ? BinaryApiCodec.Encode(response) : TextApiCodec.Encode(response);
        await _socket.SendAsync(bytes, type, endOfMessage: true, _abort.Token).ConfigureAwait(false);
        if (item.StoredId != 0)
        {
            _hub.Store.Delete(item.StoredId);
        }
    }

    /// <summary>A response to a request (in its frame type), or a received message (in the push format).</summary>
    private sealed record Outgoing(ServerResponse? Response, InboundMessage? Live, WebSocketMessageType? Type, long StoredId);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "An app's connection ended abruptly")]
        public static partial void Dropped(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "An app did not keep up (more than {Capacity} messages or responses waiting to be read) and is being disconnected")]
        public static partial void SlowApp(ILogger logger, int capacity);
    }
}
