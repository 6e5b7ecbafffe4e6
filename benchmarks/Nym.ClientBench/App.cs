using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using Nym.Protocol.Addressing;
using Nym.Protocol.WebSocketApi;

namespace Nym.ClientBench;

/// <summary>
/// An app on a client's websocket API, speaking the binary form (nym-client-api.md §3). Every message it sends starts
/// with an 8-byte sequence number, so that each arrival is matched to its send and timed at the moment its frame is
/// read (<see cref="Stopwatch"/> timestamps).
/// </summary>
internal sealed class App : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<(long Sequence, long Timestamp)> _arrivals = Channel.CreateUnbounded<(long, long)>();
    private readonly Channel<(Recipient Address, long Timestamp)> _addresses = Channel.CreateUnbounded<(Recipient, long)>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _reading;

    private App(ClientWebSocket socket)
    {
        _socket = socket;
        _reading = ReadAsync(_stopping.Token);
    }

    /// <summary>Sequence numbers of received messages, each with the timestamp its frame was read at.</summary>
    public ChannelReader<(long Sequence, long Timestamp)> Arrivals => _arrivals.Reader;

    public static async Task<App> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, cancellationToken);
        return new App(socket);
    }

    public async Task<Recipient> SelfAddressAsync(CancellationToken cancellationToken) => (await SelfAddressTimedAsync(cancellationToken)).Address;

    /// <summary>
    /// A selfAddress request and its answer: the round trip through the websocket API and the client's request
    /// handling without the mixnet, the baseline of a message's round trip. One at a time.
    /// </summary>
    public async Task<(Recipient Address, TimeSpan RoundTrip)> SelfAddressTimedAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        long written = Stopwatch.GetTimestamp();
        await _socket.SendAsync(BinaryApiCodec.Encode(SelfAddressRequest.Instance), WebSocketMessageType.Binary, true, timeout.Token);
        var (address, received) = await _addresses.Reader.ReadAsync(timeout.Token);
        return (address, Stopwatch.GetElapsedTime(written, received));
    }

    /// <summary>Writes a send request for <paramref name="message"/> stamped with <paramref name="sequence"/>; returns the timestamp of the write.</summary>
    public async Task<long> SendAsync(Recipient to, byte[] message, long sequence, CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteInt64BigEndian(message, sequence);
        var frame = BinaryApiCodec.Encode(new SendRequest(to, message, withReplySurb: false));
        long written = Stopwatch.GetTimestamp();
        await _socket.SendAsync(frame, WebSocketMessageType.Binary, true, cancellationToken);
        return written;
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[256 * 1024];
        try
        {
            while (true)
            {
                buffer.SetLength(0);
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(chunk.AsMemory(), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    buffer.Write(chunk, 0, result.Count);
                }
                while (!result.EndOfMessage);

                long timestamp = Stopwatch.GetTimestamp();
                if (!BinaryApiCodec.TryDecodeResponse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), out var response, out var error))
                {
                    throw new InvalidOperationException($"nym-client sent an undecodable frame: {error}");
                }

                switch (response)
                {
                    case ReceivedResponse { Message.Length: >= 8 } received:
                        await _arrivals.Writer.WriteAsync((BinaryPrimitives.ReadInt64BigEndian(received.Message), timestamp), cancellationToken);
                        break;
                    case SelfAddressResponse self:
                        await _addresses.Writer.WriteAsync((self.Address, timestamp), cancellationToken);
                        break;
                    case ErrorResponse { Error: var refused }:
                        throw new InvalidOperationException($"nym-client refused a request: {refused}");
                    default:
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException && cancellationToken.IsCancellationRequested)
        {
            // Closing.
        }
        catch (Exception e)
        {
            _addresses.Writer.TryComplete(e);
            _arrivals.Writer.TryComplete(e);
            return;
        }

        _addresses.Writer.TryComplete();
        _arrivals.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _reading;
        }
        finally
        {
            _socket.Dispose();
            _stopping.Dispose();
        }
    }
}
