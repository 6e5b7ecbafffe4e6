using Nym.Gateway.Tests.Support;
using Nym.Node;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>
/// What these tests found wrong outside the gateway, in libraries this project may not change. Each test states the
/// behaviour that should hold and fails today; they are explicit (run them with <c>-- --explicit only</c>) so that
/// the suite stays green until the library is fixed.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class LibraryLimitationTests(Network network)
{
    /// <summary>
    /// Nym.Node's MixLinks never reads from its outgoing sockets, so a link whose peer has closed (here: the gateway
    /// restarted) is noticed only when a write fails: the first frame written after the peer left is accepted by the
    /// kernel and lost, and the frames of the write that then fails are dropped as LinkFailed. A node that restarts
    /// thus loses the first packets every neighbour sends it. Reading the socket (a read of 0 bytes or a reset marks
    /// the link broken) would let the link reconnect before it writes.
    /// </summary>
    [Fact(Explicit = true)]
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

        await network.RestartGatewayAsync(untilReachable: false);
        try
        {
            var (after, response, _) = await alice.AuthenticateAsync();
            await using var _ = after;
            Assert.True(response.Status);
            long linkFailures = network.MixNodeMetrics[2].Dropped(DropReason.LinkFailed);
            var message = "the first message after the restart"u8.ToArray();
            await alice.SendAsync(after, alice.Address, message);
            Assert.Equal(message, Assert.Single(await alice.ReceiveAsync(after, messages: 1)));
            Assert.Equal(linkFailures, network.MixNodeMetrics[2].Dropped(DropReason.LinkFailed));
        }
        finally
        {
            // The tests that run after this one need the links repaired.
            await network.WaitUntilReachableAsync();
        }
    }
}
