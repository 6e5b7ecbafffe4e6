using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nym.Gateway.Clients;
using Nym.Node;
using Nym.Node.Mixnet;
using Nym.Protocol.Framing;
using Nym.Protocol.Packets;
using Nym.Sphinx;

namespace Nym.Gateway;

/// <summary>
/// What the gateway does with a packet its Sphinx workers processed (nym-mixnet.md §6, "gateway as last hop"): a
/// forward hop is refused; a final hop's SURB-ACK goes on at once through the gateway's own links, and the rest is
/// handed to the delivery loop for the client it names.
/// </summary>
public sealed class GatewayHopHandler(MixLinks links, NodeMetrics nodeMetrics, GatewayMetrics metrics, TimeProvider time) : ISphinxHopHandler
{
    /// <summary>Payloads waiting for delivery; when full (the disk cannot keep up), new ones are dropped and counted.</summary>
    private const int DeliveryQueueCapacity = 16 * 1024;

    private readonly Channel<(Bytes32 Client, byte[] Payload)> _deliveries =
        // Wait mode, for TryWrite's sake: it then says false when full (DropWrite would drop and say true).
        Channel.CreateBounded<(Bytes32, byte[])>(new BoundedChannelOptions(DeliveryQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<(Bytes32 Client, byte[] Payload)> Deliveries => _deliveries.Reader;

    public void Handle(in ProcessedHop hop)
    {
        try
        {
            if (hop.Kind != SphinxHopKind.Final)
            {
                nodeMetrics.CountDropped(DropReason.ForwardHopAtGateway);
                return;
            }

            var block = hop.Output;
            if (!SphinxPayload.TryRecoverPlaintext(block, out var range, out _))
            {
                nodeMetrics.CountDropped(DropReason.SphinxError);
                return;
            }

            // Copied out: the packet's pooled buffer is returned below.
            var plaintext = block[range].ToArray();
            if (!GatewayDelivery.TrySplit(plaintext, hop.Packet.Size, out var delivery, out _))
            {
                metrics.Dropped("malformed_payload");
                return;
            }

            if (delivery.Ack is { } ack)
            {
                if (links.TrySend(ack.NextHop, NodePacket.Copy(ack.Packet.Span, ack.Mode, time.GetTimestamp())))
                {
                    metrics.AckForwarded();
                }
            }

            if (!_deliveries.Writer.TryWrite((hop.Address, delivery.ClientPayload.ToArray())))
            {
                metrics.Dropped("delivery_queue_full");
            }
        }
        finally
        {
            hop.Packet.Return();
        }
    }

    public void Complete() => _deliveries.Writer.TryComplete();
}

/// <summary>Delivers final-hop payloads one at a time, in arrival order, to connections or inboxes.</summary>
public sealed partial class GatewayDeliveryLoop(GatewayHopHandler handler, ClientDelivery delivery, GatewayMetrics metrics, ILogger<GatewayDeliveryLoop> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (client, payload) in handler.Deliveries.ReadAllAsync(stoppingToken))
            {
                // Not cancelled by the stop: a payload taken from the queue is delivered or stored, never dropped.
                await SafelyAsync(() => delivery.DeliverAsync(client, payload, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is kept below.
        }

        // Nothing that reached the gateway is lost on a clean stop: the rest goes to the inboxes.
        handler.Complete();
        while (handler.Deliveries.TryRead(out var item))
        {
            await SafelyAsync(() => delivery.KeepAsync(item.Client, item.Payload, CancellationToken.None));
        }
    }

    /// <summary>A store that fails (disk full, I/O error) loses that payload, counted and logged, not the gateway.</summary>
    private async Task SafelyAsync(Func<Task> deliver)
    {
        try
        {
            await deliver();
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            metrics.Dropped("store_failure");
            LogStoreFailure(e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A payload could not be delivered or stored ({Error}); it is lost")]
    private partial void LogStoreFailure(string error);
}
