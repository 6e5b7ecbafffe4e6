using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Nym.Crypto.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Xunit;
using PreparedPacket = Nym.Crypto.V1.PreparedPacket;

namespace Nym.Crypto.Tests;

/// <summary>
/// Requests refused before any key is needed, against the real service over gRPC. Its KeyStore URL points at port 1,
/// where nothing listens: a test that got past validation would see UNAVAILABLE instead of the status it expects.
/// </summary>
public sealed class ValidationTests : IAsyncLifetime
{
    private static readonly Uri NoKeyStore = new("http://127.0.0.1:1");
    private readonly IdentityKeyPair _gateway = IdentityKeyPair.Generate();
    private CryptoHost _host = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private CryptoService.CryptoServiceClient Client => _host.Client;

    public async ValueTask InitializeAsync() =>
        _host = await CryptoHost.StartAsync(NoKeyStore, new FixedTopology(Topologies.ThreeMixesAndGateway(_gateway)), maxMessageLength: 10_000);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private string ValidRecipient() =>
        new Recipient(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, _gateway.PublicKey).ToBase58String();

    private static async Task<Status> StreamFailureAsync(AsyncServerStreamingCall<PreparedPacket> call)
    {
        using (call)
        {
            return await Rpc.FailureAsync(async () =>
            {
                while (await call.ResponseStream.MoveNext(Token))
                {
                }
            });
        }
    }

    [Fact]
    public async Task Every_rpc_without_the_token_is_unauthenticated()
    {
        var anonymous = _host.Anonymous;
        var statuses = new[]
        {
            await StreamFailureAsync(anonymous.PrepareMessage(new PrepareMessageRequest { ClientId = "alice", Recipient = ValidRecipient() }, cancellationToken: Token)),
            await Rpc.FailureAsync(() => anonymous.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "alice", Count = 1 }, cancellationToken: Token).ResponseAsync),
            await Rpc.FailureAsync(() => anonymous.PrepareReplyAsync(new PrepareReplyRequest { ClientId = "alice" }, cancellationToken: Token).ResponseAsync),
            await Rpc.FailureAsync(() => anonymous.RePrepareFragmentsAsync(new RePrepareFragmentsRequest { ClientId = "alice" }, cancellationToken: Token).ResponseAsync),
            await Rpc.FailureAsync(() => anonymous.OpenPayloadsAsync(new OpenPayloadsRequest { ClientId = "alice" }, cancellationToken: Token).ResponseAsync),
        };

        Assert.All(statuses, s => Assert.Equal(StatusCode.Unauthenticated, s.StatusCode));
        Assert.All(statuses, s => Assert.Contains("NYM_SERVICE_TOKEN", s.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_larger_than_the_service_reads_without_the_token_is_unauthenticated_before_it_is_read()
    {
        // 200 kB, more than this host's largest request (10,000 bytes of message and 64 KiB): read, it would be refused
        // as RESOURCE_EXHAUSTED; refused from its headers, the body never read, it is UNAUTHENTICATED.
        var status = await StreamFailureAsync(_host.Anonymous.PrepareMessage(
            new PrepareMessageRequest { ClientId = "alice", Recipient = ValidRecipient(), Message = ByteString.CopyFrom(new byte[200_000]) },
            cancellationToken: Token));

        Assert.Equal(StatusCode.Unauthenticated, status.StatusCode);
        Assert.Contains("NYM_SERVICE_TOKEN", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_is_unauthenticated_too()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(_host.Endpoints.Grpc);
        var wrong = new CryptoService.CryptoServiceClient(channel.CreateCallInvoker().WithServiceToken("another-token-of-the-right-length"));
        var status = await Rpc.FailureAsync(() => wrong.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "alice", Count = 1 }, cancellationToken: Token).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, status.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-at-sign")]
    [InlineData("abc.def@ghi")]
    public async Task A_malformed_recipient_is_an_invalid_argument_that_does_not_echo_it(string recipient)
    {
        var status = await StreamFailureAsync(Client.PrepareMessage(
            new PrepareMessageRequest { ClientId = "alice", Recipient = recipient, Message = ByteString.CopyFromUtf8("hi") }, cancellationToken: Token));

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("malformed recipient", status.Detail, StringComparison.Ordinal);
        Assert.Contains("<identity>.<encryption>@<gateway>", status.Detail, StringComparison.Ordinal);
        if (recipient.Length > 0)
        {
            Assert.DoesNotContain(recipient, status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_message_over_the_limit_is_an_invalid_argument()
    {
        var status = await StreamFailureAsync(Client.PrepareMessage(
            new PrepareMessageRequest { ClientId = "alice", Recipient = ValidRecipient(), Message = ByteString.CopyFrom(new byte[10_001]) },
            cancellationToken: Token));

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("10001 bytes, more than the 10000", status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1001u)]
    public async Task A_cover_count_outside_1_to_1000_is_an_invalid_argument(uint count)
    {
        var status = await Rpc.FailureAsync(() => Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "alice", Count = count }, cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("from 1 to 1000", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delays_beyond_ten_minutes_per_hop_are_an_invalid_argument()
    {
        var timing = new PacketTiming { AveragePacketDelayUs = (ulong)TimeSpan.FromMinutes(11).TotalMicroseconds };
        var status = await Rpc.FailureAsync(() => Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "alice", Count = 1, Timing = timing }, cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("at most 10 minutes", status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(1163)]
    public async Task A_malformed_reply_surb_is_an_invalid_argument(int length)
    {
        var status = await Rpc.FailureAsync(() => Client.PrepareReplyAsync(
            new PrepareReplyRequest { ClientId = "alice", ReplySurb = ByteString.CopyFrom(new byte[length]), Message = ByteString.CopyFromUtf8("hi") },
            cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("malformed reply SURB", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_longer_than_1610_bytes_is_an_invalid_argument()
    {
        var preparer = new PacketPreparer(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, _gateway.PublicKey,
            AckKey.Generate(), PacketDelays.Default);
        Assert.True(preparer.TryCreateReplySurb(Topologies.ThreeMixesAndGateway(_gateway), out var surb));

        var status = await Rpc.FailureAsync(() => Client.PrepareReplyAsync(
            new PrepareReplyRequest { ClientId = "alice", ReplySurb = ByteString.CopyFrom(surb!.ToBytes()), Message = ByteString.CopyFrom(new byte[1611]) },
            cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("at most 1610", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_fragment_or_its_recipient_is_an_invalid_argument_naming_its_index()
    {
        var good = MessageSplitter.Split("hello"u8).Fragments[0].ToBytes();
        var badHeader = (byte[])good.Clone();
        badHeader[0] &= 0x7F;
        var cases = new[]
        {
            (new Retransmission { Recipient = ValidRecipient(), Fragment = ByteString.CopyFrom(badHeader) }, "malformed (MalformedHeaderError)"),
            (new Retransmission { Recipient = ValidRecipient(), Fragment = ByteString.CopyFrom(new byte[3]) }, "malformed (TooShortFragmentData)"),
            (new Retransmission { Recipient = ValidRecipient(), Fragment = ByteString.CopyFrom([.. good, 0]) }, "malformed (too long)"),
            (new Retransmission { Recipient = "nope", Fragment = ByteString.CopyFrom(good) }, "malformed recipient"),
        };

        foreach (var (bad, expected) in cases)
        {
            var request = new RePrepareFragmentsRequest { ClientId = "alice" };
            request.Fragments.Add(new Retransmission { Recipient = ValidRecipient(), Fragment = ByteString.CopyFrom(good) });
            request.Fragments.Add(bad);
            var status = await Rpc.FailureAsync(() => Client.RePrepareFragmentsAsync(request, cancellationToken: Token).ResponseAsync);

            Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
            Assert.Contains("fragment 1", status.Detail, StringComparison.Ordinal);
            Assert.Contains(expected, status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Batches_over_1000_are_invalid_arguments()
    {
        var open = new OpenPayloadsRequest { ClientId = "alice" };
        open.Payloads.AddRange(Enumerable.Range(0, 1001).Select(_ => ByteString.CopyFrom(new byte[21])));
        var retransmit = new RePrepareFragmentsRequest { ClientId = "alice" };
        retransmit.Fragments.AddRange(Enumerable.Range(0, 1001).Select(_ => new Retransmission()));

        var statuses = new[]
        {
            await Rpc.FailureAsync(() => Client.OpenPayloadsAsync(open, cancellationToken: Token).ResponseAsync),
            await Rpc.FailureAsync(() => Client.RePrepareFragmentsAsync(retransmit, cancellationToken: Token).ResponseAsync),
        };

        Assert.All(statuses, s => Assert.Equal(StatusCode.InvalidArgument, s.StatusCode));
        Assert.All(statuses, s => Assert.Contains("at most 1000", s.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_batch_id_other_than_16_bytes_is_an_invalid_argument()
    {
        var open = new OpenPayloadsRequest { ClientId = "alice", BatchId = ByteString.CopyFrom(new byte[15]) };
        var status = await Rpc.FailureAsync(() => Client.OpenPayloadsAsync(open, cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("batch_id is 16 random bytes", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_request_with_the_keystore_unreachable_is_unavailable_naming_it()
    {
        var status = await Rpc.FailureAsync(() => Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = "alice", Count = 1 }, cancellationToken: Token).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
        Assert.Contains("KeyStore at http://127.0.0.1:1/", status.Detail, StringComparison.Ordinal);
    }
}
