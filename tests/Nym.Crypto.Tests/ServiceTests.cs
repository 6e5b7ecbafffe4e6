using Google.Protobuf;
using Grpc.Core;
using Nym.Crypto.V1;
using Nym.KeyStore.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Xunit;
using PreparedPacket = Nym.Crypto.V1.PreparedPacket;

namespace Nym.Crypto.Tests;

/// <summary>Each RPC against the real service and a real KeyStore over gRPC, with a topology of made-up nodes.</summary>
public sealed class ServiceTests : IAsyncLifetime
{
    private readonly IdentityKeyPair _gateway = IdentityKeyPair.Generate();
    private readonly FixedTopology _topology = new();
    private KeyStoreHost _keyStore = null!;
    private CryptoHost _crypto = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private CryptoService.CryptoServiceClient Client => _crypto.Client;

    public async ValueTask InitializeAsync()
    {
        _topology.Current = Topologies.ThreeMixesAndGateway(_gateway);
        _keyStore = await KeyStoreHost.StartAsync();
        _crypto = await CryptoHost.StartAsync(_keyStore.Url, _topology);
    }

    public async ValueTask DisposeAsync()
    {
        await _crypto.DisposeAsync();
        await _keyStore.DisposeAsync();
    }

    private string Recipient() =>
        new Recipient(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, _gateway.PublicKey).ToBase58String();

    private async Task<List<PreparedPacket>> PrepareAsync(PrepareMessageRequest request)
    {
        using var call = Client.PrepareMessage(request, cancellationToken: Token);
        var packets = new List<PreparedPacket>();
        await foreach (var packet in call.ResponseStream.ReadAllAsync(Token))
        {
            packets.Add(packet);
        }

        return packets;
    }

    [Fact]
    public async Task A_message_comes_back_as_its_fragments_packets_in_fragment_order()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var message = new byte[200_000];
        Random.Shared.NextBytes(message);

        var packets = await PrepareAsync(new PrepareMessageRequest
        {
            ClientId = "alice", Recipient = Recipient(), Message = ByteString.CopyFrom(message), Timing = new PacketTiming(),
        });

        // 200 kB is 125 fragments: more than one batch, so the batches' order shows too.
        var reassembler = new MessageReassembler();
        ReassembledMessage? whole = null;
        for (int i = 0; i < packets.Count; i++)
        {
            var packet = packets[i];
            Assert.Equal(PacketSize.Regular.PacketLength(), packet.SphinxPacket.Length);
            Assert.True(NymNodeRoutingAddress.TryParse(packet.FirstHop.Span, out _, out _));
            Assert.Equal(FragmentParseStatus.Ok, Fragment.TryParse(packet.Fragment.Memory, out var fragment));
            Assert.Equal(fragment.Identifier.ToBytes(), packet.FragmentId.ToByteArray());
            Assert.Equal(i + 1, fragment.Current);
            Assert.Equal(0ul, packet.ExpectedDelayNs);
            var status = reassembler.TryInsert(packet.Fragment.Memory, out var done);
            whole ??= status == ReassemblyStatus.Completed ? done : null;
        }

        Assert.True(packets.Count > MessageBatches.BatchSize);
        Assert.NotNull(whole);
        Assert.Equal(message, whole.Message.ToArray());
        Assert.False(whole.HasReplySurb);
    }

    [Fact]
    public async Task With_a_reply_surb_its_key_is_in_the_keystore_before_the_first_packet()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        // About 700 packets, far more than HTTP/2 flow control lets the service write before this test reads on: a key
        // stored only after the stream (or late in it) would not be there yet when the first packet is checked.
        using var call = Client.PrepareMessage(new PrepareMessageRequest
        {
            ClientId = "alice", Recipient = Recipient(), Message = ByteString.CopyFrom(new byte[1_000_000]), WithReplySurb = true,
        }, cancellationToken: Token);
        Assert.True(await call.ResponseStream.MoveNext(Token));
        var first = call.ResponseStream.Current;

        // The padded message starts with the with-reply-SURB flag and the SURB (nym-mixnet.md §2.2), all in the first fragment.
        Assert.Equal(FragmentParseStatus.Ok, Fragment.TryParse(first.Fragment.Memory, out var fragment));
        Assert.Equal(1, fragment.Current);
        Assert.True(fragment.Total > 100);
        var payload = fragment.Payload.Span;
        Assert.Equal(1, payload[0]);
        Assert.True(Nym.Protocol.Packets.ReplySurb.TryParse(payload.Slice(1, Nym.Protocol.Packets.ReplySurb.Length), out var surb, out var error), error);
        var taken = await _keyStore.Client.TakeReplyKeysAsync(
            new TakeReplyKeysRequest { ClientId = "alice", Digests = { ByteString.CopyFrom(surb!.KeyDigest.AsReadOnlySpan()) } }, cancellationToken: Token);
        Assert.Equal(surb.EncryptionKey.ToArray(), Assert.Single(taken.Keys).Key.ToByteArray());
    }

    [Fact]
    public async Task Cover_packets_carry_the_zero_fragment_id_and_no_fragment()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var cover = await Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "alice", Count = 7 }, cancellationToken: Token);

        Assert.Equal(7, cover.Packets.Count);
        Assert.All(cover.Packets, p => Assert.Equal(new byte[5], p.FragmentId.ToByteArray()));
        Assert.All(cover.Packets, p => Assert.True(p.Fragment.IsEmpty));
        Assert.All(cover.Packets, p => Assert.Equal(PacketSize.Regular.PacketLength(), p.SphinxPacket.Length));
        Assert.Equal(7, cover.Packets.Select(p => p.SphinxPacket).Distinct().Count());
    }

    [Fact]
    public async Task A_retransmission_keeps_the_fragment_id_in_a_new_packet()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var recipient = Recipient();
        var original = Assert.Single(await PrepareAsync(new PrepareMessageRequest { ClientId = "alice", Recipient = recipient, Message = ByteString.CopyFromUtf8("again") }));

        var again = await Client.RePrepareFragmentsAsync(new RePrepareFragmentsRequest
        {
            ClientId = "alice", Fragments = { new Retransmission { Recipient = recipient, Fragment = original.Fragment } },
        }, cancellationToken: Token);

        var packet = Assert.Single(again.Results).Packet;
        Assert.Equal(original.FragmentId, packet.FragmentId);
        Assert.Equal(original.Fragment, packet.Fragment);
        Assert.NotEqual(original.SphinxPacket, packet.SphinxPacket);
    }

    [Fact]
    public async Task A_recipient_whose_gateway_left_the_topology_fails_only_its_own_retransmission()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var here = Recipient();
        var elsewhere = new Recipient(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, IdentityKeyPair.Generate().PublicKey);
        var fragment = ByteString.CopyFrom(MessageSplitter.Split("again"u8).Fragments[0].ToBytes());

        var again = await Client.RePrepareFragmentsAsync(new RePrepareFragmentsRequest
        {
            ClientId = "alice",
            Fragments =
            {
                new Retransmission { Recipient = here, Fragment = fragment },
                new Retransmission { Recipient = elsewhere.ToBase58String(), Fragment = fragment },
                new Retransmission { Recipient = here, Fragment = fragment },
            },
        }, cancellationToken: Token);

        Assert.Equal(
            [RePreparedFragment.ResultOneofCase.Packet, RePreparedFragment.ResultOneofCase.Error, RePreparedFragment.ResultOneofCase.Packet],
            again.Results.Select(r => r.ResultCase));
        Assert.StartsWith("the recipient's gateway is not in the topology", again.Results[1].Error, StringComparison.Ordinal);
        Assert.All(new[] { again.Results[0], again.Results[2] }, r => Assert.Equal(fragment, r.Packet.Fragment));
    }

    [Fact]
    public async Task A_reply_through_a_surb_is_one_packet_to_the_surbs_first_hop()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var preparer = new Nym.Protocol.Packets.PacketPreparer(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey,
            _gateway.PublicKey, AckKey.Generate(), Nym.Protocol.Packets.PacketDelays.Default);
        Assert.True(preparer.TryCreateReplySurb(_topology.Current!, out var surb));

        var reply = await Client.PrepareReplyAsync(new PrepareReplyRequest
        {
            ClientId = "alice", ReplySurb = ByteString.CopyFrom(surb!.ToBytes()), Message = ByteString.CopyFrom(new byte[1610]),
        }, cancellationToken: Token);

        Assert.Equal(PacketSize.Regular.PacketLength(), reply.SphinxPacket.Length);
        Assert.True(NymNodeRoutingAddress.TryFromSphinxAddress(surb.Surb.FirstHop, out var firstHop, out _));
        Assert.Equal(firstHop.ToUnpaddedBytes(), reply.FirstHop.ToByteArray());
        Assert.True(reply.Fragment.IsEmpty);
    }

    [Fact]
    public async Task A_reply_uses_the_callers_delays()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var preparer = new Nym.Protocol.Packets.PacketPreparer(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey,
            _gateway.PublicKey, AckKey.Generate(), Nym.Protocol.Packets.PacketDelays.Default);
        Assert.True(preparer.TryCreateReplySurb(_topology.Current!, out var surb));

        // No delays asked for: its SURB-ACK's delays, all the expected delay a reply has, are zero (with the default
        // 50 ms per hop they would not be).
        var reply = await Client.PrepareReplyAsync(new PrepareReplyRequest
        {
            ClientId = "alice", ReplySurb = ByteString.CopyFrom(surb!.ToBytes()), Message = ByteString.CopyFromUtf8("hi"), Timing = new PacketTiming(),
        }, cancellationToken: Token);

        Assert.Equal(0ul, reply.ExpectedDelayNs);
    }

    [Fact]
    public async Task An_unknown_client_is_not_found_naming_it()
    {
        var status = await Rpc.FailureAsync(() => Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "nobody", Count = 1 }, cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, status.StatusCode);
        Assert.Contains("no client 'nobody'", status.Detail, StringComparison.Ordinal);
        Assert.Contains("nym-client init", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_without_a_gateway_is_a_failed_precondition()
    {
        await _keyStore.Client.CreateClientAsync(new CreateClientRequest { ClientId = "fresh" }, cancellationToken: Token);
        var status = await Rpc.FailureAsync(() => Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "fresh", Count = 1 }, cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, status.StatusCode);
        Assert.Contains("no gateway yet", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_topology_every_preparation_is_a_failed_precondition()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        _topology.Current = null;

        var statuses = new[]
        {
            await Rpc.FailureAsync(() => Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "alice", Count = 1 }, cancellationToken: Token).ResponseAsync),
            await Rpc.FailureAsync(() => PrepareAsync(new PrepareMessageRequest { ClientId = "alice", Recipient = Recipient(), Message = ByteString.CopyFromUtf8("x") })),
        };

        Assert.All(statuses, s => Assert.Equal(StatusCode.FailedPrecondition, s.StatusCode));
        Assert.All(statuses, s => Assert.Equal(CryptoGrpcServiceNoRoute, s.Detail));
    }

    private const string CryptoGrpcServiceNoRoute =
        "no usable route in the topology yet (are mix nodes of all three layers and a gateway registered with nym-api?)";

    [Fact]
    public async Task A_recipient_whose_gateway_is_not_in_the_topology_is_a_failed_precondition()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var elsewhere = new Recipient(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, IdentityKeyPair.Generate().PublicKey);

        var status = await Rpc.FailureAsync(() => PrepareAsync(new PrepareMessageRequest { ClientId = "alice", Recipient = elsewhere.ToBase58String(), Message = ByteString.CopyFromUtf8("x") }));

        Assert.Equal(StatusCode.FailedPrecondition, status.StatusCode);
    }

    [Fact]
    public async Task Garbage_payloads_open_as_dropped_in_order()
    {
        await _keyStore.CreateRegisteredClientAsync("alice", _gateway.PublicKey);
        var request = new OpenPayloadsRequest { ClientId = "alice" };
        foreach (int length in new[] { 0, 5, 32, 100, 2000, 40_000 })
        {
            request.Payloads.Add(ByteString.CopyFrom(new byte[length]));
        }

        var opened = await Client.OpenPayloadsAsync(request, cancellationToken: Token);

        Assert.Equal(6, opened.Payloads.Count);
        // Longer than any Sphinx payload: dropped in its place, the rest of the batch opened all the same.
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, opened.Payloads[5].KindCase);
        // Too short for anything, or exactly a digest with nothing after it: dropped, each in its place. (21 bytes
        // would decrypt to whatever fragment id: Nym's acks carry no MAC, nym-mixnet.md §2.4.)
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, opened.Payloads[0].KindCase);
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, opened.Payloads[1].KindCase);
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, opened.Payloads[2].KindCase);
    }
}
