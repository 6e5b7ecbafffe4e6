using Microsoft.Extensions.Logging.Abstractions;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Gateway;
using Nym.Protocol.Packets;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>The client's gateway link against the real gateway of a real small mixnet.</summary>
[Collection(nameof(NetworkCollection))]
public sealed class GatewayLinkTests(Network network)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A client registered with the gateway the way the gateway tests do, and a link with its keys.</summary>
    private async Task<(TestClient Client, GatewayLink Link)> RegisteredLinkAsync()
    {
        var client = new TestClient(network);
        var (connection, _) = await client.RegisterAsync();
        await connection.DisposeAsync();
        var link = new GatewayLink(network.ClientsUri, client.Identity.PublicKey.AsReadOnlySpan(), client.SharedKeys!, TimeSpan.FromSeconds(15),
            TimeProvider.System, NullLogger.Instance)
        {
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaximumBackoff = TimeSpan.FromMilliseconds(500),
        };
        await link.ConnectAsync(TestContext.Current.CancellationToken);
        return (client, link);
    }

    /// <summary>A one-fragment message to the client itself, as a ForwardSphinx plaintext.</summary>
    private byte[] PacketToSelf(TestClient client, byte[] message)
    {
        var preparer = new PacketPreparer(client.Identity.PublicKey, client.Encryption.PublicKey, network.GatewayKeys.Identity.PublicKey, client.AckKey,
            new PacketDelays(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)));
        var fragment = MessageSplitter.Split(message).Fragments.Single();
        Assert.True(preparer.TryPrepareFragment(network.NymTopology, fragment, client.Address, PacketSize.Regular, out var packet));
        return packet!.ToMixPacket().ToBytes();
    }

    /// <summary>Reads pushed payloads until the message is reassembled and its ack has come.</summary>
    private static async Task<byte[]> ReceiveAsync(TestClient client, GatewayLink link)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        byte[]? message = null;
        bool acked = false;
        while (message is null || !acked)
        {
            var payload = client.Open(await link.Received.ReadAsync(timeout.Token));
            switch (payload.Kind)
            {
                case ClientPayloadKind.Ack:
                    acked = true;
                    break;
                case ClientPayloadKind.Fragment when client.Reassembler.TryInsert(payload.Content, out var done) == ReassemblyStatus.Completed:
                    message = done!.Message.ToArray();
                    break;
            }
        }

        return message;
    }

    [Fact]
    public async Task SendsAndReceivesThroughTheMixnet()
    {
        var (client, link) = await RegisteredLinkAsync();
        await using (link)
        {
            await link.SendAsync(PacketToSelf(client, "hello through the link"u8.ToArray()), TestContext.Current.CancellationToken);
            Assert.Equal("hello through the link"u8.ToArray(), await ReceiveAsync(client, link));
            Assert.Equal(1, link.Connections);
        }
    }

    [Fact]
    public async Task ReconnectsAfterTheGatewayRestartsAndSendsWhatWasWaiting()
    {
        var (client, link) = await RegisteredLinkAsync();
        await using (link)
        {
            await network.RestartGatewayAsync();

            // Sent while the old connection is dying or gone: written once the link has authenticated again.
            await link.SendAsync(PacketToSelf(client, "after the restart"u8.ToArray()), TestContext.Current.CancellationToken);
            Assert.Equal("after the restart"u8.ToArray(), await ReceiveAsync(client, link));
            Assert.True(link.Connections >= 2, $"{link.Connections} connection(s)");
        }
    }

    [Fact]
    public async Task KeysTheGatewayDoesNotKnowAreRefused()
    {
        var stranger = new TestClient(network);
        var keys = GatewaySharedKeys.FromKeys(new byte[16], new byte[16]);
        await using var link = new GatewayLink(network.ClientsUri, stranger.Identity.PublicKey.AsReadOnlySpan(), keys, TimeSpan.FromSeconds(15),
            TimeProvider.System, NullLogger.Instance);
        await Assert.ThrowsAsync<GatewayRefusedException>(() => link.ConnectAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AGatewayThatIsNotThereIsUnavailable()
    {
        var client = new TestClient(network);
        await using var link = new GatewayLink(new Uri($"ws://127.0.0.1:{Ports.Free()}"), client.Identity.PublicKey.AsReadOnlySpan(),
            GatewaySharedKeys.FromKeys(new byte[16], new byte[16]), TimeSpan.FromSeconds(15), TimeProvider.System, NullLogger.Instance);
        var e = await Assert.ThrowsAsync<GatewayUnavailableException>(() => link.ConnectAsync(TestContext.Current.CancellationToken));
        Assert.Contains("cannot be reached", e.Message, StringComparison.Ordinal);
    }
}
