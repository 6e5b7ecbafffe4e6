using System.Threading.Channels;
using Nym.Protocol.Framing;
using Nym.Sphinx;

namespace Nym.Node.Mixnet;

/// <summary>
/// Sphinx processing spread over the cores (nym-mixnet.md §1.6, §6): packets from every connection go into one
/// bounded channel, read by <see cref="Environment.ProcessorCount"/> workers. Each worker processes a packet in
/// place in its pooled buffer (no allocation), drops refusals and replays (D2), and hands the rest to the node's
/// <see cref="ISphinxHopHandler"/>. A full channel makes the connections wait, which pushes back through TCP.
/// <para>The workers are threads of their own, not thread-pool work: under load they never yield, and on the pool
/// they would hold every pool thread and starve the I/O that reads connections and writes the links.</para>
/// </summary>
public sealed class SphinxWorkers : IMixPacketSink, IAsyncDisposable
{
    /// <summary>About 2.5 MB of regular packets: enough to keep every core busy, small enough to add no latency.</summary>
    public const int DefaultCapacity = 1024;

    private readonly Channel<NodePacket> _channel;
    private readonly SphinxProcessor _processor;
    private readonly ReplayFilter _replays;
    private readonly ISphinxHopHandler _handler;
    private readonly NodeMetrics _metrics;
    private readonly int _workerCount;
    private Task[] _workers = [];

    public SphinxWorkers(
        SphinxProcessor processor, ReplayFilter replays, ISphinxHopHandler handler, NodeMetrics metrics,
        int capacity = DefaultCapacity, int workers = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _processor = processor;
        _replays = replays;
        _handler = handler;
        _metrics = metrics;
        _workerCount = workers > 0 ? workers : Environment.ProcessorCount;
        _channel = Channel.CreateBounded<NodePacket>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        metrics.ObserveQueue("processing", () => _channel.Reader.Count);
    }

    public void Start()
    {
        if (_workers.Length == 0)
        {
            _workers = Enumerable.Range(0, _workerCount).Select(StartWorker).ToArray();
        }
    }

    public async ValueTask<bool> WriteAsync(NodePacket packet, CancellationToken cancellationToken)
    {
        if (_channel.Writer.TryWrite(packet))
        {
            return true;
        }

        try
        {
            await _channel.Writer.WriteAsync(packet, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            _metrics.CountDropped(DropReason.Shutdown);
            packet.Return();
            return false;
        }
    }

    /// <summary>Stops taking packets and waits until the workers have processed every queued one.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        while (_channel.Reader.TryRead(out var packet))
        {
            // Never started: nothing processed these.
            _metrics.CountDropped(DropReason.Shutdown);
            packet.Return();
        }
    }

    private Task StartWorker(int index)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run();
            }
            finally
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = $"sphinx-worker-{index}",
        };
        thread.Start();
        return done.Task;
    }

    private void Run()
    {
        var reader = _channel.Reader;
        while (true)
        {
            while (reader.TryRead(out var packet))
            {
                try
                {
                    Process(packet);
                }
                catch (Exception)
                {
                    // Only a bug gets here (processing never throws for peer input): one packet is lost, not the
                    // process. Its pooled buffer is left to the garbage collector, as its state is unknown.
                    _metrics.CountDropped(DropReason.InternalError);
                }
            }

            // The queue ran dry: block this thread (it is ours, not the pool's) until more comes or the channel closes.
            var more = reader.WaitToReadAsync();
            if (!(more.IsCompletedSuccessfully ? more.Result : more.AsTask().GetAwaiter().GetResult()))
            {
                return;
            }
        }
    }

    /// <summary>One packet: refusals and replays are dropped here, the rest handed on. Takes ownership.</summary>
    internal void Process(NodePacket packet)
    {
        var span = packet.Span;
        var result = _processor.Process(span, span);
        if (result.Kind == SphinxHopKind.Failed)
        {
            Drop(packet, DropReason.SphinxError);
        }
        else if (!_replays.TryAdd(result.ReplayTag))
        {
            Drop(packet, DropReason.Replay);
        }
        else
        {
            _handler.Handle(new ProcessedHop(packet, result));
        }
    }

    private void Drop(NodePacket packet, DropReason reason)
    {
        _metrics.CountDropped(reason);
        packet.Return();
    }
}
