using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Nym.Node.Config;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;

namespace Nym.Node.Mixnet;

/// <summary>Outgoing link settings; the first four are Nym 1.0.1's (nym-mixnet.md §6).</summary>
public sealed record MixLinkOptions
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(1500);

    public int QueueCapacity { get; init; } = 128;

    public TimeSpan InitialReconnectBackoff { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaximumReconnectBackoff { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>A link with nothing queued for this long is closed (and reopened by the next packet).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A link that cannot connect, or whose peer stopped reading, and has written nothing for this long is closed
    /// with what it holds: anyone can name unreachable next hops, and such links must not keep their slots.
    /// </summary>
    public TimeSpan UnreachableTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A write that makes no progress for this long counts as a failed connection (a peer that stopped reading).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Anyone can build a packet for this node naming any next hop, so the number of links is capped (each holds a
    /// socket and a write loop) and so is what all their queues hold together.
    /// </summary>
    public int MaxLinks { get; init; } = 1024;

    /// <summary>Bytes of packets queued over all links; beyond it a packet is dropped as if its queue were full.</summary>
    public long MaxQueuedBytes { get; init; } = 64L << 20;

    /// <summary>At shutdown, how long queued frames may take to be written before they are dropped.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public static MixLinkOptions From(ForwardingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new MixLinkOptions
        {
            ConnectTimeout = settings.InitialConnectionTimeout,
            QueueCapacity = settings.MaximumConnectionBufferSize,
            InitialReconnectBackoff = settings.InitialReconnectionBackoff,
            MaximumReconnectBackoff = settings.MaximumReconnectionBackoff,
        };
    }
}

/// <summary>
/// The node's outgoing mix traffic (§6): one TCP connection per next-hop address, each fed by a bounded queue
/// (<see cref="MixLinkOptions.QueueCapacity"/> frames, and <see cref="MixLinkOptions.MaxQueuedBytes"/> over all links;
/// a frame beyond either is dropped and counted) and written by one
/// loop that batches whatever is queued into one send. A link connects on its first packet with a timeout, and after
/// a failure waits min(initial·2^attempt, maximum) before the next try, its queue filling meanwhile. A gateway uses
/// the same links for SURB-ACKs and its clients' packets.
/// </summary>
public sealed partial class MixLinks : IAsyncDisposable
{
    private readonly ConcurrentDictionary<NymNodeRoutingAddress, Link> _links = new();
    private readonly MixLinkOptions _options;
    private readonly NodeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _idleSweep;
    private volatile bool _disposed;
    private long _queuedBytes;

    public MixLinks(MixLinkOptions options, NodeMetrics metrics, TimeProvider time, ILogger<MixLinks> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        var sweep = options.IdleTimeout < options.UnreachableTimeout ? options.IdleTimeout : options.UnreachableTimeout;
        _idleSweep = time.CreateTimer(_ => CloseIdleLinks(), null, sweep, sweep);
        metrics.ObserveQueue("links", () => QueuedFrames);
    }

    public int LinkCount => _links.Count;

    /// <summary>Frames waiting in all links' queues.</summary>
    public long QueuedFrames => _links.Values.Sum(link => (long)link.Queued);

    /// <summary>
    /// Queues <paramref name="packet"/> for <paramref name="nextHop"/>, opening the link if there is none. Takes
    /// ownership; false when it was dropped (queue full, too many links, or stopped), which is counted.
    /// </summary>
    public bool TrySend(NymNodeRoutingAddress nextHop, NodePacket packet)
    {
        // Twice at most: a link the idle sweep has just closed is replaced by a fresh one.
        for (int attempt = 0; attempt < 2 && !_disposed; attempt++)
        {
            if (!_links.TryGetValue(nextHop, out var link))
            {
                if (_links.Count >= _options.MaxLinks)
                {
                    return Drop(packet, DropReason.TooManyLinks);
                }

                // Only the link that wins the race gets a write loop; a losing one is never started.
                var created = new Link(this, nextHop);
                link = _links.GetOrAdd(nextHop, created);
                if (ReferenceEquals(link, created))
                {
                    created.Start();
                }
            }

            if (Interlocked.Add(ref _queuedBytes, packet.Footprint) > _options.MaxQueuedBytes)
            {
                Interlocked.Add(ref _queuedBytes, -packet.Footprint);
                return Drop(packet, DropReason.QueueFull);
            }

            switch (link.TryEnqueue(packet))
            {
                case EnqueueResult.Queued:
                    return true;
                case EnqueueResult.Full:
                    Interlocked.Add(ref _queuedBytes, -packet.Footprint);
                    return Drop(packet, DropReason.QueueFull);
                default:
                    Interlocked.Add(ref _queuedBytes, -packet.Footprint);
                    _links.TryRemove(new KeyValuePair<NymNodeRoutingAddress, Link>(nextHop, link));
                    break;
            }
        }

        return Drop(packet, DropReason.Shutdown);
    }

    /// <summary>Stops taking packets, lets each link write what it holds (up to the drain timeout), then closes them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _idleSweep.DisposeAsync().ConfigureAwait(false);
        var links = _links.Values.ToArray();
        foreach (var link in links)
        {
            link.Complete();
        }

        var all = Task.WhenAll(links.Select(link => link.Completion));
        try
        {
            await all.WaitAsync(_options.DrainTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await all.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private bool Drop(NodePacket packet, DropReason reason)
    {
        _metrics.CountDropped(reason);
        packet.Return();
        return false;
    }

    private void CloseIdleLinks()
    {
        foreach (var (address, link) in _links)
        {
            var quiet = _time.GetElapsedTime(link.LastActivity);
            bool idle = link.Queued == 0 && quiet >= _options.IdleTimeout;
            bool unreachable = link.IsFailing && quiet >= _options.UnreachableTimeout;
            if (idle || unreachable)
            {
                link.Close(unreachable ? DropReason.LinkFailed : DropReason.Shutdown);
                _links.TryRemove(new KeyValuePair<NymNodeRoutingAddress, Link>(address, link));
            }
        }
    }

    private enum EnqueueResult
    {
        Queued,
        Full,
        Closed,
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A mix link could not connect ({Error}); next try in {Backoff}")]
    private partial void LogConnectFailed(string error, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A mix link failed while writing ({Error}); {Frames} frames lost, reconnecting")]
    private partial void LogWriteFailed(SocketError error, int frames);

    /// <summary>One next hop: its queue, its socket and its write loop.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The write loop disposes its token source when it ends.")]
    private sealed class Link
    {
        // Room for at least two of the largest frames, so a batch of regular packets goes out in one send.
        private const int WriteBufferLength = 128 * 1024;

        private readonly MixLinks _owner;
        private readonly NymNodeRoutingAddress _address;
        private readonly Channel<NodePacket> _queue;
        private readonly CancellationTokenSource _closed = new();
        private volatile bool _completed;
        private volatile bool _failing;
        private DropReason _leftoverReason = DropReason.Shutdown;

        public Link(MixLinks owner, NymNodeRoutingAddress address)
        {
            _owner = owner;
            _address = address;
            _queue = Channel.CreateBounded<NodePacket>(new BoundedChannelOptions(owner._options.QueueCapacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            LastActivity = owner._time.GetTimestamp();
        }

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Start() => Completion = Task.Run(RunAsync);

        public int Queued => _queue.Reader.Count;

        public long LastActivity { get; private set; }

        /// <summary>The last connection attempt or write failed and nothing has been written since.</summary>
        public bool IsFailing => _failing;

        public EnqueueResult TryEnqueue(NodePacket packet)
        {
            if (_queue.Writer.TryWrite(packet))
            {
                return EnqueueResult.Queued;
            }

            // TryWrite is false both when full and when completed; only the reader side tells them apart.
            return _queue.Reader.Completion.IsCompleted || _completed ? EnqueueResult.Closed : EnqueueResult.Full;
        }

        public void Complete()
        {
            _completed = true;
            _queue.Writer.TryComplete();
        }

        /// <summary>Closes the link now: what it still holds is dropped and counted under <paramref name="reason"/>.</summary>
        public void Close(DropReason reason)
        {
            _leftoverReason = reason;
            Complete();
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The write loop has already ended.
            }
        }

        private async Task RunAsync()
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_owner._stopping.Token, _closed.Token);
            var stopping = linked.Token;
            var buffer = ArrayPool<byte>.Shared.Rent(WriteBufferLength);
            Socket? socket = null;
            Task peerClosed = Task.CompletedTask;
            int failures = 0;
            try
            {
                while (await _queue.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
                {
                    // A peer that closed (e.g. restarted) would take the next frames into a dead connection: the
                    // kernel accepts them and only a later write fails. Its close is seen here, before writing.
                    if (socket is not null && peerClosed.IsCompleted)
                    {
                        socket.Dispose();
                        socket = null;
                    }

                    if (socket is null)
                    {
                        (socket, var error) = await ConnectAsync(stopping).ConfigureAwait(false);
                        if (socket is null)
                        {
                            _failing = true;
                            var backoff = Backoff.After(++failures, _owner._options.InitialReconnectBackoff, _owner._options.MaximumReconnectBackoff);
                            _owner.LogConnectFailed(error, backoff);
                            await Task.Delay(backoff, _owner._time, stopping).ConfigureAwait(false);
                            continue;
                        }

                        failures = 0;
                        peerClosed = WatchForCloseAsync(socket);
                    }

                    int length = 0, frames = 0;
                    while (length <= buffer.Length - MixFrameCodec.MaxFrameLength && _queue.Reader.TryRead(out var packet))
                    {
                        // Re-framed with the size id and mode it arrived with (§6).
                        length += MixFrameCodec.Encode(packet.Mode, packet.Span, buffer.AsSpan(length));
                        Release(packet);
                        frames++;
                    }

                    using var sendDeadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    sendDeadline.CancelAfter(_owner._options.SendTimeout);
                    try
                    {
                        for (int sent = 0; sent < length;)
                        {
                            sent += await socket.SendAsync(buffer.AsMemory(sent, length - sent), SocketFlags.None, sendDeadline.Token).ConfigureAwait(false);
                        }

                        _owner._metrics.CountForwarded(frames);
                        LastActivity = _owner._time.GetTimestamp();
                        _failing = false;
                    }
                    catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
                    {
                        // A broken connection, or a peer that stopped reading: those frames are lost, the link reconnects.
                        _failing = true;
                        _owner._metrics.CountDropped(DropReason.LinkFailed, frames);
                        _owner.LogWriteFailed((e as SocketException)?.SocketErrorCode ?? SocketError.TimedOut, frames);
                        socket.Dispose();
                        socket = null;
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Shutdown after the drain timeout: what is still queued is counted below.
            }
            finally
            {
                Complete();
                int dropped = 0;
                while (_queue.Reader.TryRead(out var packet))
                {
                    Release(packet);
                    dropped++;
                }

                _owner._metrics.CountDropped(_leftoverReason, dropped);
                socket?.Dispose();
                ArrayPool<byte>.Shared.Return(buffer);
                _closed.Dispose();
            }
        }

        private void Release(NodePacket packet)
        {
            Interlocked.Add(ref _owner._queuedBytes, -packet.Footprint);
            packet.Return();
        }

        /// <summary>Completes when the peer closes the connection (a peer never sends on a mix link) or it fails.</summary>
        private static async Task WatchForCloseAsync(Socket socket)
        {
            var probe = new byte[1];
            try
            {
                while (await socket.ReceiveAsync(probe, SocketFlags.None).ConfigureAwait(false) > 0)
                {
                    // Bytes from a next hop mean nothing; keep watching for the close.
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Closed or reset: done.
            }
        }

        private async Task<(Socket? Socket, string Error)> ConnectAsync(CancellationToken stopping)
        {
            var endPoint = _address.ToEndPoint();
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = new CancellationTokenSource(_owner._options.ConnectTimeout, _owner._time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
            try
            {
                await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
                return (socket, "");
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
            {
                socket.Dispose();
                return (null, e is SocketException s ? s.SocketErrorCode.ToString() : "timed out");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}
