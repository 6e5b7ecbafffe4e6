using Nym.TestNetwork;
using Nym.Node;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>Neighbours of a node that restarts: their links must not lose what they send it next.</summary>
[Collection(nameof(NetworkCollection))]
public sealed class NeighbourRestartTests(Network network)
{
    /// <summary>
    /// A link whose peer has closed (here: the gateway restarted) must notice it before writing: otherwise the first
    /// frame written after the peer left is accepted by the kernel and lost. Found by this test; MixLinks now watches
    /// its sockets for the peer's close.
    /// </summary>
    [Fact]
    public async Task The_first_message_after_a_gateway_restart_arrives()
    {
        var alice = new TestClient(network);
        var (connection, _) = await alice.RegisterAsync();
        await connection.DisposeAsync();
        // The layer-3 node has a link to the gateway.
        var (before, _, _) = await alice.AuthenticateAsync();
        await using (before)
        {
            var fragments = await alice.SendAsync(before, alice.Address, "before"u8.ToArray());
            await alice.ReceiveAsync(before, messages: 1, acks: fragments);
        }

        await network.RestartGatewayAsync();
        var (after, response, _) = await alice.AuthenticateAsync();
        await using var _ = after;
        Assert.True(response.Status);
        long linkFailures = network.MixNodeMetrics[2].Dropped(DropReason.LinkFailed);
        var message = "the first message after the restart"u8.ToArray();
        await alice.SendAsync(after, alice.Address, message);
        Assert.Equal(message, Assert.Single(await alice.ReceiveAsync(after, messages: 1)));
        Assert.Equal(linkFailures, network.MixNodeMetrics[2].Dropped(DropReason.LinkFailed));
    }
}
