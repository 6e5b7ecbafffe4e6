using Google.Protobuf;
using Grpc.Core;
using Nym.Crypto.V1;
using Nym.KeyStore.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using Nym.Sphinx;
using PreparedPacket = Nym.Crypto.V1.PreparedPacket;

namespace Nym.Crypto;

/// <summary>
/// CryptoService of crypto.proto. Every request is validated before any work; errors are the statuses of the proto's
/// header with a message that says what to do, and never carry a key, an address or a payload.
/// </summary>
internal sealed class CryptoGrpcService(
    ClientKeyCache keys, ITopologySource topology, KeyStoreService.KeyStoreServiceClient keyStore, CryptoOptions options, CryptoMetrics metrics)
    : CryptoService.CryptoServiceBase
{
    public const string NoRoute =
        "no usable route in the topology yet (are mix nodes of all three layers and a gateway registered with nym-api?)";

    public const string RecipientGatewayUnknown =
        "the recipient's gateway is not in the topology (it may have left the network, or not registered with nym-api yet)";

    public const int MaxCover = 1000, MaxRetransmissions = 1000, MaxPayloads = 1000, BatchIdLength = 16;

    /// <summary>A mean per-hop delay beyond this is a mistake, not a privacy setting (Nym's default is 50 ms).</summary>
    private static readonly TimeSpan MaxAverageDelay = TimeSpan.FromMinutes(10);

    private static readonly int MaxPayloadLength = PacketSize.Extended.PlaintextLength();

    public override async Task PrepareMessage(PrepareMessageRequest request, IServerStreamWriter<PreparedPacket> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (request.Message.Length > options.MaxMessageLength)
        {
            throw Invalid($"the message is {request.Message.Length} bytes, more than the {options.MaxMessageLength} this service accepts: send it in parts");
        }

        var recipient = ParseRecipient(request.Recipient);
        var delays = Delays(request.Timing);
        var client = await keys.GetAsync(request.ClientId, cancellation).ConfigureAwait(false);
        var network = RequireTopology();
        var preparer = client.Preparer(delays);

        byte[] replySurb = [];
        if (request.WithReplySurb)
        {
            if (!preparer.TryCreateReplySurb(network, out var surb))
            {
                throw NoRouteError();
            }

            // The key must be stored before any packet leaves: the reply may come back faster than the stream ends.
            await StoreReplyKeyAsync(request.ClientId, surb!, cancellation).ConfigureAwait(false);
            replySurb = surb!.ToBytes();
        }

        var fragments = MessageSplitter.Split(request.Message.Span, replySurb).Fragments;
        var routed = await MessageBatches.PrepareAsync(preparer, network, fragments, recipient, async batch =>
        {
            foreach (var packet in batch)
            {
                await responseStream.WriteAsync(packet, cancellation).ConfigureAwait(false);
            }

            metrics.Prepared("message", batch.Length);
        }, cancellation).ConfigureAwait(false);
        if (!routed)
        {
            throw NoRouteError();
        }
    }

    public override async Task<PreparedPackets> PrepareCover(PrepareCoverRequest request, ServerCallContext context)
    {
        if (request.Count is 0 or > MaxCover)
        {
            throw Invalid($"count must be from 1 to {MaxCover}, got {request.Count}");
        }

        var delays = Delays(request.Timing);
        var client = await keys.GetAsync(request.ClientId, context.CancellationToken).ConfigureAwait(false);
        var network = RequireTopology();
        var preparer = client.Preparer(delays);
        var reply = new PreparedPackets();
        for (int i = 0; i < request.Count; i++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (!preparer.TryPrepareLoopCover(network, out var packet))
            {
                throw NoRouteError();
            }

            reply.Packets.Add(MessageBatches.ToMessage(packet!, ByteString.Empty));
        }

        metrics.Prepared("cover", reply.Packets.Count);
        return reply;
    }

    public override async Task<PreparedPacket> PrepareReply(PrepareReplyRequest request, ServerCallContext context)
    {
        if (!ReplySurb.TryParse(request.ReplySurb.Span, out var surb, out var error))
        {
            throw Invalid($"malformed reply SURB ({error}): pass the {ReplySurb.Length} bytes received with the message unchanged");
        }

        if (request.Message.Length > ReplySurb.MaxReplyLength)
        {
            throw Invalid($"the reply is {request.Message.Length} bytes; a reply through a SURB carries at most {ReplySurb.MaxReplyLength}");
        }

        var delays = Delays(request.Timing);
        var client = await keys.GetAsync(request.ClientId, context.CancellationToken).ConfigureAwait(false);
        var network = RequireTopology();
        if (!client.Preparer(delays).TryPrepareReply(network, surb!, request.Message.Span, out var packet))
        {
            throw NoRouteError();
        }

        metrics.Prepared("reply", 1);
        return MessageBatches.ToMessage(packet!, ByteString.Empty);
    }

    public override async Task<RePrepareFragmentsResponse> RePrepareFragments(RePrepareFragmentsRequest request, ServerCallContext context)
    {
        if (request.Fragments.Count > MaxRetransmissions)
        {
            throw Invalid($"{request.Fragments.Count} fragments in one call; at most {MaxRetransmissions}: split the retransmissions into several calls");
        }

        var parsed = new (Recipient Recipient, Fragment Fragment, ByteString Bytes)[request.Fragments.Count];
        for (int i = 0; i < parsed.Length; i++)
        {
            var item = request.Fragments[i];
            var status = Fragment.TryParse(item.Fragment.Memory, out var fragment);
            if (status != FragmentParseStatus.Ok || item.Fragment.Length > FragmentLayout.RegularPlaintextPerFragment)
            {
                throw Invalid($"fragment {i} is malformed ({(status == FragmentParseStatus.Ok ? "too long" : status)}): pass the fragment bytes PrepareMessage returned, unchanged");
            }

            parsed[i] = (ParseRecipient(item.Recipient, $"fragment {i}: "), fragment, item.Fragment);
        }

        var delays = Delays(request.Timing);
        var client = await keys.GetAsync(request.ClientId, context.CancellationToken).ConfigureAwait(false);
        var network = RequireTopology();
        var preparer = client.Preparer(delays);
        // One result per fragment: a recipient whose gateway left the topology must not hold back the others' retransmissions.
        var reply = new RePrepareFragmentsResponse();
        int prepared = 0;
        foreach (var (recipient, fragment, bytes) in parsed)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (network.FindGateway(recipient.Gateway) is null)
            {
                reply.Results.Add(new RePreparedFragment { Error = RecipientGatewayUnknown });
            }
            else if (!preparer.TryPrepareFragment(network, fragment, recipient, PacketSize.Regular, out var packet))
            {
                reply.Results.Add(new RePreparedFragment { Error = NoRoute });
            }
            else
            {
                reply.Results.Add(new RePreparedFragment { Packet = MessageBatches.ToMessage(packet!, bytes) });
                prepared++;
            }
        }

        metrics.Prepared("retransmission", prepared);
        return reply;
    }

    public override async Task<OpenPayloadsResponse> OpenPayloads(OpenPayloadsRequest request, ServerCallContext context)
    {
        if (request.Payloads.Count > MaxPayloads)
        {
            throw Invalid($"{request.Payloads.Count} payloads in one call; at most {MaxPayloads}: open them in several calls");
        }

        if (request.BatchId.Length is not (0 or BatchIdLength))
        {
            throw Invalid($"batch_id is {BatchIdLength} random bytes, the same on every retry of a batch, or empty; got {request.BatchId.Length} bytes");
        }

        var client = await keys.GetAsync(request.ClientId, context.CancellationToken).ConfigureAwait(false);

        // Every payload that could be a reply is first opened as a fragment (one X25519, needed anyway if it is one):
        // loop cover, most of what an idle client receives (§3), is recognised by its marker and needs no KeyStore
        // call; the others' digests go to the KeyStore in one call.
        var asFragment = new ClientPayload[request.Payloads.Count];
        var digests = new List<ByteString>();
        for (int i = 0; i < request.Payloads.Count; i++)
        {
            var payload = request.Payloads[i];
            if (CouldBeReply(payload))
            {
                asFragment[i] = ClientPayload.OpenFragmentOrCover(client.EncryptionPrivateKey, payload.Span);
                if (asFragment[i].Kind != ClientPayloadKind.Cover)
                {
                    digests.Add(UnsafeByteOperations.UnsafeWrap(payload.Memory[..ReplySurb.DigestLength]));
                }
            }
        }

        var (replyKeys, spent) = await TakeReplyKeysAsync(request, digests, context.CancellationToken).ConfigureAwait(false);

        var reply = new OpenPayloadsResponse();
        for (int i = 0; i < request.Payloads.Count; i++)
        {
            var payload = request.Payloads[i];
            var opened = !CouldBeReply(payload)
                // Acks; and, longer than any Sphinx payload, nothing the gateway could have pushed: dropped in its
                // place rather than failing the batch and losing every good payload in it.
                ? payload.Length > MaxPayloadLength ? Unopenable : ClientPayload.Open(payload.Span, client.AckKey.Bytes, client.EncryptionPrivateKey, _ => null)
                : asFragment[i].Kind == ClientPayloadKind.Cover ? asFragment[i]
                : OpenPossibleReply(payload, asFragment[i], replyKeys, spent);
            var message = opened.Kind switch
            {
                ClientPayloadKind.Ack => new OpenedPayload { Ack = ByteString.CopyFrom(opened.AckedFragment.ToBytes()) },
                // Garbage decrypts too (no MAC): what does not parse as a fragment is dropped here, not by the reassembler.
                ClientPayloadKind.Fragment when Fragment.TryParse(opened.Content, out _) == FragmentParseStatus.Ok =>
                    new OpenedPayload { Fragment = UnsafeByteOperations.UnsafeWrap(opened.Content) },
                ClientPayloadKind.Reply => new OpenedPayload { Reply = UnsafeByteOperations.UnsafeWrap(opened.Content) },
                _ => new OpenedPayload { Dropped = new Dropped() },
            };
            metrics.Opened(message.KindCase.ToString().ToLowerInvariant());
            reply.Payloads.Add(message);
        }

        return reply;
    }

    /// <summary>
    /// A reply if the KeyStore gave its digest's key (used once: a second payload with the same digest, in this batch
    /// or any later one on any replica, is dropped — without that it would be decrypted as a fragment, since Nym's
    /// payload encryption has no MAC, nym-mixnet.md §2.2); else the fragment it was opened as.
    /// </summary>
    private static ClientPayload OpenPossibleReply(ByteString payload, ClientPayload asFragment, Dictionary<Bytes32, byte[]> replyKeys, HashSet<Bytes32> spent)
    {
        var digest = Bytes32.From(payload.Span[..ReplySurb.DigestLength]);
        if (spent.Contains(digest))
        {
            return Unopenable;
        }

        if (replyKeys.Remove(digest, out var key))
        {
            spent.Add(digest);
            return ClientPayload.OpenReply(key, payload.Span);
        }

        return asFragment;
    }

    private static ClientPayload Unopenable => new(ClientPayloadKind.Malformed, default, default);

    private static bool CouldBeReply(ByteString payload) =>
        payload.Length > ReplySurb.DigestLength && payload.Length != AckPayload.Length && payload.Length <= MaxPayloadLength;

    /// <summary>
    /// One TakeReplyKeys call for the digests of every payload that could be a reply (nym-mixnet.md §4): the keys of
    /// those stored, and the digests whose keys were taken before (replies that came again).
    /// </summary>
    private async Task<(Dictionary<Bytes32, byte[]> Keys, HashSet<Bytes32> Spent)> TakeReplyKeysAsync(
        OpenPayloadsRequest request, List<ByteString> digests, CancellationToken cancellation)
    {
        // The batch id goes along: a retried batch gets again the keys its first attempt took (keystore.proto).
        var take = new TakeReplyKeysRequest { ClientId = request.ClientId, BatchId = request.BatchId };
        take.Digests.AddRange(digests);

        var found = new Dictionary<Bytes32, byte[]>();
        var spent = new HashSet<Bytes32>();
        if (take.Digests.Count == 0)
        {
            return (found, spent);
        }

        TakeReplyKeysResponse taken;
        try
        {
            taken = await keyStore.TakeReplyKeysAsync(take, deadline: Deadline(), cancellationToken: cancellation).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw keys.Translate(e, request.ClientId);
        }

        foreach (var key in taken.Keys)
        {
            if (key.Digest.Length == ReplySurb.DigestLength && key.Key.Length == ReplySurb.KeyLength)
            {
                found[Bytes32.From(key.Digest.Span)] = key.Key.ToByteArray();
            }
        }

        foreach (var digest in taken.AlreadyTaken)
        {
            if (digest.Length == ReplySurb.DigestLength)
            {
                spent.Add(Bytes32.From(digest.Span));
            }
        }

        return (found, spent);
    }

    private async Task StoreReplyKeyAsync(string clientId, ReplySurb surb, CancellationToken cancellation)
    {
        var store = new StoreReplyKeysRequest { ClientId = clientId };
        store.Keys.Add(new ReplyKey
        {
            Digest = ByteString.CopyFrom(surb.KeyDigest.AsReadOnlySpan()),
            Key = ByteString.CopyFrom(surb.EncryptionKey),
        });
        try
        {
            await keyStore.StoreReplyKeysAsync(store, deadline: Deadline(), cancellationToken: cancellation).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw keys.Translate(e, clientId);
        }
    }

    private NymTopology RequireTopology() => topology.Current ?? throw NoRouteError();

    private static RpcException NoRouteError() => new(new Status(StatusCode.FailedPrecondition, NoRoute));

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private DateTime Deadline() => DateTime.UtcNow + options.CallDeadline;

    /// <summary>Nym's own error text for a recipient (nym-client-api.md §4), which names the part but never echoes it.</summary>
    private static Recipient ParseRecipient(string text, string context = "")
    {
        if (!Recipient.TryParse(text, out var recipient, out var error))
        {
            throw Invalid($"{context}malformed recipient: {error.Display}; expected <identity>.<encryption>@<gateway> in base58");
        }

        return recipient;
    }

    private static PacketDelays Delays(PacketTiming? timing)
    {
        if (timing is null)
        {
            return PacketDelays.Default;
        }

        var packet = TimeSpan.FromMicroseconds(Math.Min(timing.AveragePacketDelayUs, (ulong)MaxAverageDelay.TotalMicroseconds + 1));
        var ack = TimeSpan.FromMicroseconds(Math.Min(timing.AverageAckDelayUs, (ulong)MaxAverageDelay.TotalMicroseconds + 1));
        if (packet > MaxAverageDelay || ack > MaxAverageDelay)
        {
            throw Invalid($"average delays must be at most {MaxAverageDelay.TotalMinutes:0} minutes per hop");
        }

        return new PacketDelays(packet, ack);
    }
}
