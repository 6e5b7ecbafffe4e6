using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Nym.Crypto.V1;
using Nym.KeyStore.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Gateway;
using Nym.Protocol.Packets;
using Nym.Sphinx;

namespace Nym.Client.Core;

/// <summary>
/// A running Nym client (nym-mixnet.md §2–4): its authenticated gateway link, the main Poisson stream (the next
/// queued real packet, else loop cover), the separate loop cover stream, SURB-ACK timers with retransmission until
/// acknowledged, and the receive path (payloads opened by the crypto service in batches, fragments reassembled,
/// replies through our SURBs). Packets come from the crypto service, a whole message per call (DESIGN.md principle 1).
/// </summary>
public sealed partial class MixnetClient : IAsyncDisposable
{
    /// <summary>Payloads opened per OpenPayloads call at most (crypto.proto's limit).</summary>
    private const int MaxOpenBatch = 1000;

    private readonly string _clientId;
    private readonly ServiceConnections _services;
    private readonly GatewayLink _link;
    private readonly TrafficOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SendBudget _budget;
    private readonly PendingAcks _acks;
    private readonly CoverStock _cover;
    private readonly ConcurrentQueue<OutgoingPacket> _queue = new();
    private readonly MessageReassembler _reassembler;
    private readonly Channel<ReceivedMessage> _received = Channel.CreateBounded<ReceivedMessage>(new BoundedChannelOptions(1000) { SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    // The receive loop outlives the others at a stop, to open what the gateway already handed over (DisposeAsync).
    private readonly CancellationTokenSource _receiveStopping = new();
    private Task _receiveLoop = Task.CompletedTask;
    private readonly TaskCompletionSource<Exception> _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private MixnetClient(string clientId, string address, ServiceConnections services, GatewayLink link, TrafficOptions options,
        TimeProvider time, ILoggerFactory loggerFactory)
    {
        _clientId = clientId;
        Address = address;
        _services = services;
        _link = link;
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger<MixnetClient>();
        _budget = new SendBudget(options.SendBudgetBytes);
        _acks = new PendingAcks(options, time, _budget);
        _cover = new CoverStock(CoverStock.CapacityFor(options), PrepareCoverAsync, time, _logger);
        _reassembler = new MessageReassembler(timeProvider: time);
    }

    /// <summary>"&lt;identity&gt;.&lt;encryption&gt;@&lt;gateway&gt;", base58.</summary>
    public string Address { get; }

    /// <summary>Every whole message received (reassembled, or a reply through one of our SURBs), once each.</summary>
    public ChannelReader<ReceivedMessage> Received => _received.Reader;

    /// <summary>Real packets waiting for the main stream.</summary>
    internal int QueueLength => _queue.Count;

    internal int PendingAckCount => _acks.Count;

    /// <summary>Bytes of real packets held (queued, or sent and not acknowledged): at most the send budget.</summary>
    internal long HeldBytes => _budget.Used;

    /// <summary>
    /// Completes, with the failure, when one of the client's streams or loops fails unexpectedly (it is logged as an
    /// error too): the client then no longer works whole, and the exe should stop with an error so that it is restarted.
    /// Never completes otherwise.
    /// </summary>
    public Task<Exception> Faulted => _faulted.Task;

    internal GatewayLink Link => _link;

    /// <summary>
    /// Connects and authenticates to the gateway with the stored shared keys and starts the streams. Throws
    /// <see cref="ClientSetupException"/> when it cannot, saying what to do.
    /// </summary>
    public static async Task<MixnetClient> StartAsync(string clientId, GatewayEndpoint gateway, ClientServices services,
        TrafficOptions options, TimeProvider time, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options.Validate();
        if (!Uri.TryCreate(gateway.GatewayListener, UriKind.Absolute, out var listener) || listener.Scheme is not ("ws" or "wss"))
        {
            throw new ClientSetupException($"The gateway listener '{gateway.GatewayListener}' is not a ws:// URL: fix gateway_listener in config.toml or run init again.");
        }

        var connections = new ServiceConnections(services);
        try
        {
            var (keys, address, identity) = await LoadKeysAsync(clientId, gateway, connections, cancellationToken).ConfigureAwait(false);
            var link = new GatewayLink(listener, identity, keys, options.GatewayResponseTimeout, time, loggerFactory.CreateLogger<GatewayLink>());
            try
            {
                await link.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (GatewayUnavailableException e)
            {
                await link.DisposeAsync().ConfigureAwait(false);
                throw new ClientSetupException($"Cannot connect to the gateway: {e.Message}. Is the network running (`dotnet run --project NymAspire.AppHost`)?");
            }
            catch (GatewayRefusedException e)
            {
                await link.DisposeAsync().ConfigureAwait(false);
                throw new ClientSetupException(
                    $"The gateway refused this client: {e.Message}. Register again with `nym-client init --id {clientId} --gateway <gateway id>`.");
            }

            var client = new MixnetClient(clientId, address, connections, link, options, time, loggerFactory);
            client.Start();
            return client;
        }
        catch
        {
            connections.Dispose();
            throw;
        }
    }

    private static async Task<(GatewaySharedKeys Keys, string Address, byte[] Identity)> LoadKeysAsync(
        string clientId, GatewayEndpoint gateway, ServiceConnections connections, CancellationToken cancellationToken)
    {
        var client = new ClientRef { ClientId = clientId };
        GatewayKeys gatewayKeys;
        ClientPublicKeys publicKeys;
        try
        {
            gatewayKeys = await connections.KeyStore.GetGatewayKeysAsync(client, deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            publicKeys = await connections.KeyStore.GetPublicKeysAsync(client, deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            throw new ClientSetupException($"The client '{clientId}' is not set up ({e.Status.Detail}): run `nym-client init --id {clientId}` first.");
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
        {
            throw new ClientSetupException(connections.Describe(e, crypto: false));
        }

        if (!GatewaySharedKeys.TryFromBytes(gatewayKeys.SharedKeys.Span, out var keys) || publicKeys.IdentityKey.Length != 32)
        {
            throw new ClientSetupException($"The KeyStore holds damaged keys for '{clientId}': run `nym-client init --id {clientId}` again.");
        }

        if (Base58Text(gatewayKeys.GatewayIdentityKey.Span) != gateway.GatewayId)
        {
            throw new ClientSetupException(
                $"The client '{clientId}' is registered with another gateway than config.toml names: run `nym-client init --id {clientId}` again.");
        }

        return (keys, publicKeys.Address, publicKeys.IdentityKey.ToByteArray());
    }

    internal static string Base58Text(ReadOnlySpan<byte> bytes) => Nym.Protocol.Encoding.Base58.Encode(bytes);

    private void Start()
    {
        var stopping = _stopping.Token;
        _cover.Start();
        Watch("main stream", Poisson.RunAsync(_options.MessageSendingAverageDelay, _time, new Random(), MainTickAsync, stopping));
        if (!_options.DisableLoopCoverTraffic)
        {
            Watch("loop cover stream", Poisson.RunAsync(_options.LoopCoverTrafficAverageDelay, _time, new Random(), SendCoverAsync, stopping));
        }

        _receiveLoop = WatchAsync("receive loop", ReceiveLoopAsync(_receiveStopping.Token));
        Watch("retransmission loop", RetransmitLoopAsync(stopping));
    }

    /// <summary>
    /// Keeps a loop for <see cref="DisposeAsync"/>; a loop that fails or ends while the client is not stopping is
    /// logged as an error and completes <see cref="Faulted"/> instead of ending silently.
    /// </summary>
    private void Watch(string name, Task loop) => _loops.Add(WatchAsync(name, loop));

    private async Task WatchAsync(string name, Task loop)
    {
        try
        {
            await loop.ConfigureAwait(false);
            if (!_stopping.IsCancellationRequested)
            {
                throw new InvalidOperationException($"The {name} ended while the client was running.");
            }
        }
        catch (Exception e) when (IsStopping(e, _stopping.Token) || IsStopping(e, _receiveStopping.Token))
        {
            // The loops end by cancellation.
        }
        catch (Exception e)
        {
            LogLoopFailed(name, e);
            _faulted.TrySetResult(e);
        }
    }

    /// <summary>
    /// Prepares the message's packets through the crypto service (one call, a stream of packets) and queues each as
    /// it comes for the main Poisson stream. While the send budget (<see cref="TrafficOptions.SendBudgetBytes"/>) is
    /// full the stream is not read on: the send waits for acks to make room. Returns once every packet is queued.
    /// Throws <see cref="ClientRequestException"/> when the message cannot be sent, <see cref="OperationCanceledException"/>
    /// when cancelled; either way the message's packets still queued are dropped (a part of a message is of no use).
    /// </summary>
    public async ValueTask SendAsync(Recipient recipient, ReadOnlyMemory<byte> message, bool withReplySurb, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        string to = recipient.ToBase58String();
        var request = new PrepareMessageRequest
        {
            ClientId = _clientId, Recipient = to, Message = ByteString.CopyFrom(message.Span), WithReplySurb = withReplySurb,
            Timing = _options.ToTiming(),
        };
        var queued = new List<FragmentIdentifier>();
        try
        {
            await CallCryptoAsync(async () =>
            {
                // No deadline on the whole stream: it may rightly wait for room as long as acks take. Instead each
                // packet must come within the long deadline (NextPreparedAsync), so a stalled service is still noticed.
                using var call = _services.Crypto.PrepareMessage(request, cancellationToken: sending.Token);
                while (await NextPreparedAsync(call.ResponseStream, sending.Token).ConfigureAwait(false))
                {
                    var prepared = call.ResponseStream.Current;
                    var packet = Checked(prepared, tracked: true);
                    await _budget.TakeAsync(packet.MixPacket.Length, sending.Token).ConfigureAwait(false);
                    _acks.Add(new PendingFragment(packet.Fragment!.Value, to, prepared.Fragment.ToByteArray()), packet.MixPacket.Length);
                    queued.Add(packet.Fragment.Value);
                    Enqueue([packet]);
                }
            }, sending.Token).ConfigureAwait(false);
        }
        catch
        {
            // Forgotten fragments are skipped by the main stream and never retransmitted; their bytes are given back.
            foreach (var id in queued)
            {
                _acks.Forget(id);
            }

            throw;
        }
    }

    /// <summary>The next packet of a PrepareMessage stream, which must come within <see cref="ServiceConnections.LongDeadline"/>.</summary>
    private async Task<bool> NextPreparedAsync(IAsyncStreamReader<Nym.Crypto.V1.PreparedPacket> stream, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ServiceConnections.LongDeadline);
        try
        {
            return await stream.MoveNext(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            throw new ClientRequestException(
                $"The crypto service at {_services.Services.Crypto} stopped sending the message's packets for {ServiceConnections.LongDeadline.TotalSeconds:0} s; "
                + "the message was not sent whole. Check that the crypto service is running.");
        }
    }

    /// <summary>
    /// Sends a reply through someone's reply SURB: at most <see cref="ReplySurb.MaxReplyLength"/> bytes, one packet,
    /// never retransmitted (the SURB is single-use, nym-mixnet.md §4).
    /// </summary>
    public async ValueTask SendReplyAsync(ReplySurb replySurb, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replySurb);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (message.Length > ReplySurb.MaxReplyLength)
        {
            throw new ClientRequestException(
                $"too long a reply: {message.Length} bytes, but a reply through a reply SURB holds at most {ReplySurb.MaxReplyLength}");
        }

        var request = new PrepareReplyRequest
        {
            ClientId = _clientId, ReplySurb = ByteString.CopyFrom(replySurb.ToBytes()), Message = ByteString.CopyFrom(message.Span), Timing = _options.ToTiming(),
        };
        OutgoingPacket? packet = null;
        await CallCryptoAsync(async () =>
        {
            var prepared = await _services.Crypto.PrepareReplyAsync(request, deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            packet = Checked(prepared, tracked: false);
        }, cancellationToken).ConfigureAwait(false);

        // A reply is held only while it is queued: MainTickAsync gives its bytes back when it takes it.
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        await _budget.TakeAsync(packet!.MixPacket.Length, sending.Token).ConfigureAwait(false);
        Enqueue([packet]);
    }

    private static OutgoingPacket Checked(Nym.Crypto.V1.PreparedPacket prepared, bool tracked) =>
        OutgoingPacket.TryFrom(prepared, tracked, out var packet)
            ? packet!
            : throw new ClientRequestException("the crypto service returned a malformed packet; nothing was sent");

    /// <summary>
    /// Runs a crypto call; its refusals become <see cref="ClientRequestException"/>s with its words, and a call cancelled
    /// by <paramref name="cancellationToken"/> (which gRPC reports as an RpcException) an ordinary cancellation.
    /// </summary>
    private async Task CallCryptoAsync(Func<Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The send was cancelled.", e, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.ResourceExhausted)
        {
            throw new ClientRequestException(e.Status.Detail);
        }
        catch (RpcException e)
        {
            throw new ClientRequestException(_services.Describe(e, crypto: true));
        }
    }

    private void Enqueue(List<OutgoingPacket> packets)
    {
        foreach (var packet in packets)
        {
            _queue.Enqueue(packet);
        }

        ClientMetrics.QueueChanged(packets.Count);
    }

    /// <summary>A tick of the main stream: the next real packet whose ack is still awaited, else loop cover (§3).</summary>
    private async ValueTask MainTickAsync(CancellationToken cancellationToken)
    {
        while (_queue.TryDequeue(out var packet))
        {
            ClientMetrics.QueueChanged(-1);
            if (packet.Fragment is not { } id)
            {
                // A reply: held only while queued.
                _budget.Release(packet.MixPacket.Length);
            }
            else if (!_acks.IsPending(id))
            {
                // Acknowledged while it waited for its retransmission, or its message was given up: nothing to send.
                continue;
            }

            await _link.SendAsync(packet.MixPacket, cancellationToken).ConfigureAwait(false);
            ClientMetrics.RealPacketSent();
            if (packet.Fragment is { } sent)
            {
                _acks.Sent(sent, packet.ExpectedDelay);
            }

            return;
        }

        await SendCoverAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendCoverAsync(CancellationToken cancellationToken)
    {
        if (_cover.TryTake(out var packet))
        {
            await _link.SendAsync(packet.MixPacket, cancellationToken).ConfigureAwait(false);
            ClientMetrics.CoverPacketSent();
        }
    }

    private async Task<IReadOnlyList<OutgoingPacket>> PrepareCoverAsync(int count, CancellationToken cancellationToken)
    {
        var response = await _services.Crypto.PrepareCoverAsync(
            new PrepareCoverRequest { ClientId = _clientId, Count = (uint)Math.Clamp(count, 1, 1000), Timing = _options.ToTiming() },
            deadline: ServiceConnections.Deadline(ServiceConnections.LongDeadline), cancellationToken: cancellationToken).ConfigureAwait(false);
        var packets = new List<OutgoingPacket>(response.Packets.Count);
        foreach (var prepared in response.Packets)
        {
            if (OutgoingPacket.TryFrom(prepared, tracked: false, out var packet))
            {
                packets.Add(packet!);
            }
        }

        return packets;
    }

    /// <summary>Opens what the gateway pushes, in batches of whatever has arrived (at most 1000 per call).</summary>
    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var batch = new List<byte[]>();
        try
        {
            while (await _link.Received.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (batch.Count < MaxOpenBatch && _link.Received.TryRead(out var payload))
                {
                    batch.Add(payload);
                }

                await OpenAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (Exception e) when (IsStopping(e, cancellationToken))
        {
            // Stopping.
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }

    /// <summary>Opens one batch, retrying while the crypto service is away (the payloads are kept meanwhile).</summary>
    private async Task OpenAsync(List<byte[]> batch, CancellationToken cancellationToken)
    {
        // One id for every attempt at this batch: a retry gets the replies the lost attempt opened (crypto.proto).
        var request = new OpenPayloadsRequest { ClientId = _clientId, BatchId = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16)) };
        request.Payloads.AddRange(batch.Select(ByteString.CopyFrom));
        OpenPayloadsResponse? response = null;
        for (int failures = 0; response is null; failures++)
        {
            try
            {
                response = await _services.Crypto.OpenPayloadsAsync(request, deadline: ServiceConnections.Deadline(ServiceConnections.LongDeadline),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument)
            {
                // Not the service's fault nor a passing one: these payloads cannot be opened.
                LogOpenRefused(batch.Count, e.Status.Detail);
                return;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                LogOpenFailed(_services.Describe(e, crypto: true));
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, Math.Min(failures, 10)), 10_000)), _time, cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        foreach (var opened in response.Payloads)
        {
            switch (opened.KindCase)
            {
                case OpenedPayload.KindOneofCase.Ack:
                    if (FragmentIdentifier.TryParse(opened.Ack.Span, out var id) && _acks.Acknowledge(id))
                    {
                        ClientMetrics.AckReceived();
                    }

                    break;
                case OpenedPayload.KindOneofCase.Fragment:
                    await ReassembleAsync(opened.Fragment.Memory, cancellationToken).ConfigureAwait(false);
                    break;
                case OpenedPayload.KindOneofCase.Reply:
                    await _received.Writer.WriteAsync(new ReceivedMessage(opened.Reply.ToByteArray(), null), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    // Cover, or nothing we can open (§3).
                    break;
            }
        }
    }

    private async Task ReassembleAsync(ReadOnlyMemory<byte> fragment, CancellationToken cancellationToken)
    {
        if (_reassembler.TryInsert(fragment, out var message) != ReassemblyStatus.Completed)
        {
            return;
        }

        ReplySurb? surb = null;
        if (message!.HasReplySurb && !ReplySurb.TryParse(message.ReplySurb.Span, out surb, out var error))
        {
            // The message still arrives; only the way to answer it is unusable.
            LogBadReplySurb(error);
            surb = null;
        }

        await _received.Writer.WriteAsync(new ReceivedMessage(message.Message, surb), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fragments whose ack timed out: re-prepared together (fresh routes and keys) and queued again (§2.5).</summary>
    private async Task RetransmitLoopAsync(CancellationToken cancellationToken)
    {
        var batch = new List<PendingFragment>();
        try
        {
            while (await _acks.Expired.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (batch.Count < 1000 && _acks.Expired.TryRead(out var expired))
                {
                    if (_acks.IsPending(expired.Id))
                    {
                        batch.Add(expired);
                    }
                }

                if (batch.Count > 0)
                {
                    await RetransmitAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }
        }
        catch (Exception e) when (IsStopping(e, cancellationToken))
        {
            // Stopping.
        }
    }

    private async Task RetransmitAsync(List<PendingFragment> batch, CancellationToken cancellationToken)
    {
        var request = new RePrepareFragmentsRequest { ClientId = _clientId, Timing = _options.ToTiming() };
        request.Fragments.AddRange(batch.Select(f => new Retransmission { Recipient = f.Recipient, Fragment = ByteString.CopyFrom(f.Fragment) }));
        RePrepareFragmentsResponse response;
        try
        {
            response = await _services.Crypto.RePrepareFragmentsAsync(request, deadline: ServiceConnections.Deadline(ServiceConnections.LongDeadline),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Nym restarts the timer when it cannot re-prepare (§2.5); so do we, for ack_wait_addition.
            LogRetransmissionFailed(batch.Count, _services.Describe(e, crypto: true));
            foreach (var fragment in batch)
            {
                _acks.Sent(fragment.Id, TimeSpan.Zero);
            }

            return;
        }

        // One result per fragment, in order: the prepared ones are queued, only the others' timers restart.
        var packets = new List<OutgoingPacket>(batch.Count);
        int failed = 0;
        string? why = null;
        for (int i = 0; i < batch.Count; i++)
        {
            var result = i < response.Results.Count ? response.Results[i] : null;
            if (result?.ResultCase == RePreparedFragment.ResultOneofCase.Packet && OutgoingPacket.TryFrom(result.Packet, tracked: true, out var packet))
            {
                packets.Add(packet!);
                continue;
            }

            failed++;
            why ??= result?.ResultCase == RePreparedFragment.ResultOneofCase.Error ? result.Error : "the crypto service returned no usable packet";
            _acks.Sent(batch[i].Id, TimeSpan.Zero);
        }

        if (failed > 0)
        {
            LogRetransmissionFailed(failed, why!);
        }

        Enqueue(packets);
        ClientMetrics.Retransmitted(packets.Count);
        LogRetransmitting(packets.Count);
    }

    /// <summary>A cancellation of ours, however it surfaced: directly, or as a gRPC call cancelled by us.</summary>
    private static bool IsStopping(Exception e, CancellationToken stopping) =>
        stopping.IsCancellationRequested && (e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Cancelled });

    /// <summary>
    /// Stops the streams and closes the gateway link; queued packets are dropped. What the gateway has already pushed
    /// is still opened and handed to <see cref="Received"/> (for up to <see cref="DrainTimeout"/>): the gateway has
    /// deleted it from its inbox, so dropping it would lose messages (D4). Never throws for a loop that failed
    /// (<see cref="WatchAsync"/> logged it): everything is disposed regardless.
    /// </summary>
    /// <summary>How long a stop waits for the payloads already received to be opened; below a host's 10 s shutdown.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        await _cover.DisposeAsync().ConfigureAwait(false);
        // Closing the link completes its buffer of pushed payloads; the receive loop opens the rest, then ends.
        await _link.DisposeAsync().ConfigureAwait(false);
        _receiveStopping.CancelAfter(DrainTimeout);
        await _receiveLoop.ConfigureAwait(false);
        _receiveStopping.Dispose();
        _acks.Dispose();
        ClientMetrics.QueueChanged(-_queue.Count);
        _queue.Clear();
        _services.Dispose();
        _stopping.Dispose();
        _received.Writer.TryComplete();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The client's {Loop} failed; the client no longer works whole and must be restarted.")]
    private partial void LogLoopFailed(string loop, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open received payloads: {Why}; retrying.")]
    private partial void LogOpenFailed(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The crypto service refused to open {Count} received payloads: {Why}; they are dropped.")]
    private partial void LogOpenRefused(int count, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A received message carried an unusable reply SURB ({Why}); delivered without it.")]
    private partial void LogBadReplySurb(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-prepare {Count} unacknowledged fragments: {Why}; their timers restart.")]
    private partial void LogRetransmissionFailed(int count, string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retransmitting {Count} unacknowledged fragments.")]
    private partial void LogRetransmitting(int count);
}
