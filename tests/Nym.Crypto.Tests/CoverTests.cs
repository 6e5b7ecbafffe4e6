using Google.Protobuf;
using Grpc.Core;
using Nym.Crypto.V1;
using Xunit;

namespace Nym.Crypto.Tests;

/// <summary>
/// Loop cover, most of what an idle client receives (nym-mixnet.md §3), is opened without asking the KeyStore for
/// reply keys: the crypto service recognises it before it looks for replies, so an idle client costs no KeyStore call
/// per packet.
/// </summary>
public sealed class CoverTests
{
    private const string ClientId = "alice";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Loop_cover_opens_as_dropped_without_the_keystore_while_a_fragment_needs_it()
    {
        var network = new KnownKeysNetwork();
        var keyStore = await KeyStoreHost.StartAsync();
        await using var crypto = await CryptoHost.StartAsync(keyStore.Url, new FixedTopology(network.Topology));
        string address = (await keyStore.CreateRegisteredClientAsync(ClientId, network.Gateway.PublicKey)).Address;

        var cover = await crypto.Client.PrepareCoverAsync(new PrepareCoverRequest { ClientId = ClientId, Count = 3 }, cancellationToken: Token);
        using var call = crypto.Client.PrepareMessage(new PrepareMessageRequest
        {
            ClientId = ClientId, Recipient = address, Message = ByteString.CopyFromUtf8("a fragment"),
        }, cancellationToken: Token);
        var fragment = Assert.Single(await call.ResponseStream.ReadAllAsync(Token).ToListAsync(Token));
        var coverPayloads = cover.Packets.Select(p => ByteString.CopyFrom(network.Deliver(p))).ToList();
        var fragmentPayload = ByteString.CopyFrom(network.Deliver(fragment));

        // The client's keys are cached by the first open (GetCryptoKeys); then the KeyStore goes away.
        var first = await crypto.Client.OpenPayloadsAsync(
            new OpenPayloadsRequest { ClientId = ClientId, Payloads = { coverPayloads[0] } }, cancellationToken: Token);
        Assert.Equal(OpenedPayload.KindOneofCase.Dropped, Assert.Single(first.Payloads).KindCase);
        await keyStore.DisposeAsync();

        var opened = await crypto.Client.OpenPayloadsAsync(
            new OpenPayloadsRequest { ClientId = ClientId, Payloads = { coverPayloads } }, cancellationToken: Token);
        var status = await Rpc.FailureAsync(() => crypto.Client.OpenPayloadsAsync(
            new OpenPayloadsRequest { ClientId = ClientId, Payloads = { fragmentPayload } }, cancellationToken: Token).ResponseAsync);

        Assert.All(opened.Payloads, p => Assert.Equal(OpenedPayload.KindOneofCase.Dropped, p.KindCase));
        Assert.Equal(3, opened.Payloads.Count);
        // A fragment could be a reply, so its digest must go to the KeyStore, which is gone.
        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
    }
}
