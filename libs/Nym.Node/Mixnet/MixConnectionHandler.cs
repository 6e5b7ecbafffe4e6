using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Nym.Protocol.Framing;

namespace Nym.Node.Mixnet;

/// <summary>
/// The mix port (nym-mixnet.md §6): a Kestrel connection handler that reads frames back to back from the
/// connection's pipe with <see cref="MixFrameCodec"/> and hands each packet to the <see cref="IMixPacketSink"/>.
/// An invalid frame (unknown size id or mode, or the refused Vpn mode) closes that one connection, with one log line
/// (no peer address) and a count. Nothing a peer sends can throw out of here or touch another connection.
/// Buffering per connection is bounded: whole frames are consumed as they arrive, so at most one partial frame
/// (&lt; 33,135 bytes) waits here, and the transport stops reading at its pause threshold (Kestrel's
/// <c>MaxReadBufferSize</c>, 1 MiB) while the sink makes the connection wait.
/// </summary>
public sealed partial class MixConnectionHandler(IMixPacketSink sink, NodeMetrics metrics, TimeProvider time, ILogger<MixConnectionHandler> logger)
    : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var input = connection.Transport.Input;
        // Only the node's graceful shutdown stops the loop early. Not ConnectionClosed: it may fire as soon as the
        // peer's FIN arrives, before the frames sent ahead of it are read; a peer's close shows as a completed read.
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(closing).ConfigureAwait(false);
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
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            // The node is stopping.
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
