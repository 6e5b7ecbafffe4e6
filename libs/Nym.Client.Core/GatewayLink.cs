using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Nym.Protocol.Gateway;

namespace Nym.Client.Core;

/// <summary>
/// The client's authenticated websocket to its gateway (nym-mixnet.md §5.3–5.4, with D1): every packet goes out as a
/// ForwardSphinx binary frame, every pushed payload comes in decrypted on <see cref="Received"/>. When the connection
/// is lost it is re-established with jittered exponential backoff; senders wait meanwhile, so nothing queued is lost.
/// One read loop per connection; writes are serialised by a lock.
/// </summary>
internal sealed partial class GatewayLink : IAsyncDisposable
{
    private readonly Uri _listener;
    private readonly byte[] _identity;
    private readonly GatewaySharedKeys _keys;
    private readonly TimeSpan _responseTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _received = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(10_000) { SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource<Connection> _ready = NewReady();
    private Task _supervisor = Task.CompletedTask;
    private int _connections;
    private int _disposed;

    public GatewayLink(Uri listener, ReadOnlySpan<byte> identity, GatewaySharedKeys keys, TimeSpan responseTimeout, TimeProvider time, ILogger logger)
    {
        _listener = listener;
        _identity = identity.ToArray();
        _keys = keys;
        _responseTimeout = responseTimeout;
        _time = time;
        _logger = logger;
    }

    /// <summary>First wait after a lost connection; doubled on each failure up to <see cref="MaximumBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaximumBackoff { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Ping interval and pong timeout of each connection (<see cref="GatewaySocket.ConnectAsync"/>).</summary>
    public TimeSpan KeepAlive { get; init; } = GatewaySocket.DefaultKeepAlive;

    /// <summary>
    /// How long one frame may take to be written. A gateway that stops reading fills the socket's buffers and the
    /// write waits; past this the connection is taken for dead, aborted, and the frame goes on the next one.
    /// </summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Payloads the gateway pushed (Nym's PushedMixMessage plaintexts), in arrival order.</summary>
    public ChannelReader<byte[]> Received => _received.Reader;

    /// <summary>How many connections have been authenticated so far (the first and every reconnection).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The first connection: throws <see cref="GatewayUnavailableException"/> or <see cref="GatewayRefusedException"/>.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
        _supervisor = SuperviseAsync(connection, _stopping.Token);
    }

    /// <summary>
    /// Sends one ForwardSphinx request (<c>mode ‖ first hop ‖ packet</c>) as a D1 frame. Returns once it is written
    /// to a connection; while there is none, waits for the next.
    /// </summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> mixPacket, CancellationToken cancellationToken)
    {
        var frame = new byte[GatewayFrame.GetEncryptedLength(mixPacket.Length)];
        GatewayFrame.Encrypt(_keys, mixPacket.Span, frame);
        while (true)
        {
            var connection = await Volatile.Read(ref _ready).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            await connection.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(SendTimeout);
                await connection.Socket.SendAsync(frame, WebSocketMessageType.Binary, true, timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException
                || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A write cancelled by the send timeout leaves the socket aborted anyway; say so for the read loop.
                connection.Socket.Abort();
            }
            finally
            {
                connection.WriteLock.Release();
            }

            // The read loop notices the abort and the connection is retired; then try again on the next one.
            await connection.Retired.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Connects and authenticates; pushed payloads that arrive before the answer are delivered.</summary>
    private async Task<Connection> AuthenticateAsync(CancellationToken cancellationToken)
    {
        ClientWebSocket socket;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_responseTimeout);
        try
        {
            socket = await GatewaySocket.ConnectAsync(_listener, KeepAlive, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new GatewayUnavailableException($"the gateway at {_listener} cannot be reached ({e.Message})");
        }

        try
        {
            await GatewaySocket.SendTextAsync(socket, AuthenticateRequest.Create(_keys, _identity), timeout.Token).ConfigureAwait(false);
            while (await GatewaySocket.ReceiveAsync(socket, timeout.Token).ConfigureAwait(false) is { } message)
            {
                if (message.Type == WebSocketMessageType.Binary)
                {
                    await DeliverAsync(message.Data, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var reply = GatewayText.TryParseFromGateway(message.Text, out var parsed, out _) ? parsed : null;
                switch (reply)
                {
                    case AuthenticateResponse { Status: true }:
                        Interlocked.Increment(ref _connections);
                        var connection = new Connection(socket);
                        connection.Reader = ReadAsync(connection);
                        return connection;
                    case AuthenticateResponse:
                        throw new GatewayRefusedException("the gateway refused to authenticate this client: it does not hold this client's shared keys");
                    case ErrorResponse error:
                        throw new GatewayRefusedException($"the gateway answered the authentication with an error: {error.Message}");
                    default:
                        // send/bandwidth replies and anything unknown are not the answer: keep waiting for it.
                        continue;
                }
            }

            throw new GatewayUnavailableException("the gateway closed the connection before answering the authentication");
        }
        catch (Exception e) when (e is WebSocketException or InvalidDataException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            socket.Abort();
            socket.Dispose();
            throw new GatewayUnavailableException(e is OperationCanceledException
                ? $"the gateway did not answer the authentication within {_responseTimeout}"
                : $"the gateway connection failed during authentication ({e.Message})");
        }
        catch
        {
            socket.Abort();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The read loop of one connection: pushed payloads to <see cref="Received"/>; ends when the connection does.</summary>
    private async Task<string> ReadAsync(Connection connection)
    {
        try
        {
            while (await GatewaySocket.ReceiveAsync(connection.Socket, _stopping.Token).ConfigureAwait(false) is { } message)
            {
                if (message.Type == WebSocketMessageType.Binary)
                {
                    await DeliverAsync(message.Data, _stopping.Token).ConfigureAwait(false);
                }
                else if (GatewayText.TryParseFromGateway(message.Text, out var reply, out _) && reply is ErrorResponse error)
                {
                    LogGatewayError(error.Message);
                }
            }

            return connection.Socket.CloseStatusDescription is { Length: > 0 } why ? $"the gateway closed it: {why}" : "the gateway closed it";
        }
        catch (OperationCanceledException)
        {
            return "the client is stopping";
        }
        catch (Exception e) when (e is WebSocketException or InvalidDataException or ObjectDisposedException or IOException)
        {
            return e.Message;
        }
        finally
        {
            connection.Socket.Abort();
        }
    }

    private async ValueTask DeliverAsync(byte[] frame, CancellationToken cancellationToken)
    {
        var payload = new byte[GatewayFrame.GetPlaintextLength(frame.Length)];
        if (GatewayFrame.TryDecrypt(_keys, frame, payload, out int written, out var error))
        {
            await _received.Writer.WriteAsync(written == payload.Length ? payload : payload[..written], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            LogUndecryptable(error.Display());
        }
    }

    /// <summary>Publishes each connection to senders, waits for its loss, and reconnects with jittered backoff.</summary>
    private async Task SuperviseAsync(Connection connection, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var ready = Volatile.Read(ref _ready);
                ready.TrySetResult(connection);
                string why = await connection.Reader.ConfigureAwait(false);

                // From now on senders wait for the next connection.
                Interlocked.CompareExchange(ref _ready, NewReady(), ready);
                connection.Retired.TrySetResult();
                cancellationToken.ThrowIfCancellationRequested();
                LogConnectionLost(why);
                for (int failures = 1; ; failures++)
                {
                    var wait = Jittered(failures);
                    LogReconnecting(wait.TotalMilliseconds);
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        connection = await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
                        LogReconnected(failures);
                        break;
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Whatever went wrong, only stopping ends the reconnecting: senders are waiting for it.
                        LogReconnectFailed(failures, e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>min(initial · 2^(failures − 1), maximum), then a uniform factor in [0.5, 1) so that clients spread out.</summary>
    private TimeSpan Jittered(int failures)
    {
        double factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        double ticks = Math.Min(InitialBackoff.Ticks * factor, MaximumBackoff.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
    }

    private static TaskCompletionSource<Connection> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_ready.Task.IsCompletedSuccessfully)
        {
            var connection = _ready.Task.Result;
            // A sender still writing gets a second to finish; the socket goes either way.
            await connection.WriteLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            await GatewaySocket.CloseQuietlyAsync(connection.Socket).ConfigureAwait(false);
        }

        await _supervisor.ConfigureAwait(false);
        _ready.TrySetCanceled();
        _received.Writer.TryComplete();
        _stopping.Dispose();
    }

    private sealed class Connection(ClientWebSocket socket)
    {
        public ClientWebSocket Socket { get; } = socket;

        public SemaphoreSlim WriteLock { get; } = new(1, 1);

        public Task<string> Reader { get; set; } = Task.FromResult("");

        /// <summary>Completed once senders no longer get this connection.</summary>
        public TaskCompletionSource Retired { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the gateway connection: {Why}.")]
    private partial void LogConnectionLost(string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnecting to the gateway in {Milliseconds:0} ms; queued and unacknowledged packets are kept.")]
    private partial void LogReconnecting(double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to the gateway after {Attempts} attempt(s).")]
    private partial void LogReconnected(int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconnection attempt {Attempt} failed: {Why}.")]
    private partial void LogReconnectFailed(int attempt, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The gateway reported an error: {Message}.")]
    private partial void LogGatewayError(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a frame from the gateway that did not decrypt: {Why}.")]
    private partial void LogUndecryptable(string why);
}

/// <summary>Why the gateway link could not be (re-)established.</summary>
internal abstract class GatewayLinkException(string message) : Exception(message);

/// <summary>The gateway could not be reached or did not answer in time: worth trying again.</summary>
internal sealed class GatewayUnavailableException(string message) : GatewayLinkException(message);

/// <summary>The gateway answered and refused us.</summary>
internal sealed class GatewayRefusedException(string message) : GatewayLinkException(message);
