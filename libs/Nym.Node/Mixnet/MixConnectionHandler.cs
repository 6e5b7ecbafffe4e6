using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Nym.Protocol.Framing;

namespace Nym.Node.Mixnet;

/// <summary>
/// Bounds of the mix port. Anyone can connect, so connections are capped, and one that sends nothing for longer
/// than a sender's idle link lives (10 minutes) is closed: an idle or half-sent connection cannot pin a socket forever.
/// </summary>
public sealed record MixListenerOptions
{
    public int MaxConnections { get; init; } = 4096;

    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// The mix port (nym-mixnet.md §6): a Kestrel connection handler that reads frames back to back from the
/// connection's pipe with <see cref="MixFrameCodec"/> and hands each packet to the <see cref="IMixPacketSink"/>.
/// An invalid frame (unknown size id or mode, or the refused Vpn mode) closes that one connection, with one log line
/// (no peer address) and a count. Nothing a peer sends can throw out of here or touch another connection.
/// Buffering per connection is bounded: whole frames are consumed as they arrive, so at most one partial frame
/// (&lt; 33,135 bytes) waits here, and the transport stops reading at its pause threshold (Kestrel's
/// <c>MaxReadBufferSize</c>, 1 MiB) while the sink makes the connection wait.
/// </summary>
public sealed partial class MixConnectionHandler(
    IMixPacketSink sink, NodeMetrics metrics, TimeProvider time, ILogger<MixConnectionHandler> logger, MixListenerOptions? options = null)
    : ConnectionHandler
{
    private readonly MixListenerOptions _options = options ?? new MixListenerOptions();
    private int _open;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Interlocked.Increment(ref _open) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            metrics.CountConnectionRefused();
            await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await ReadFramesAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private async Task ReadFramesAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // Only the node's graceful shutdown stops the loop early. Not ConnectionClosed: it may fire as soon as the
        // peer's FIN arrives, before the frames sent ahead of it are read; a peer's close shows as a completed read.
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(closing);
        try
        {
            while (true)
            {
                // Restarted before every read: only a connection that sends nothing for the whole timeout ends.
                idle.CancelAfter(_options.IdleTimeout);
                var result = await input.ReadAsync(idle.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                DropReason? refused = null;
                var error = MixFrameError.None;
                bool open = true;
                while (open && MixFrameCodec.TryDecode(ref buffer, out var frame, out error) == OperationStatus.Done)
                {
                    if (frame.Header.Mode == PacketMode.Vpn)
                    {
                        refused = DropReason.VpnMode;
                        break;
                    }

                    var packet = NodePacket.Rent(frame.Header.Size, frame.Header.Mode, time.GetTimestamp());
                    frame.Packet.CopyTo(packet.Span);
                    metrics.CountReceived();
                    open = await sink.WriteAsync(packet, closing).ConfigureAwait(false);
                }

                if (error != MixFrameError.None)
                {
                    refused = DropReason.BadFrame;
                }

                if (refused is { } reason)
                {
                    metrics.CountDropped(reason);
                    metrics.CountConnectionRefused();
                    LogRefused(reason == DropReason.VpnMode ? "Vpn mode" : error.ToString());
                    return;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (!open || result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested)
        {
            // The node is stopping, or the peer went quiet for the whole idle timeout.
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
        {
            LogConnectionFailed(e);
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a mix connection that sent an invalid frame ({Reason})")]
    private partial void LogRefused(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A mix connection ended with a transport error")]
    private partial void LogConnectionFailed(Exception error);
}
