using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Nym.Node.Mixnet;
using Nym.Protocol.Framing;
using Xunit;

namespace Nym.Node.Tests;

public sealed class MixLinksTests : IDisposable
{
    /// <summary>What one regular packet counts against a byte bound: its pooled buffer.</summary>
    private static readonly int RegularFootprint = Nym.Node.Mixnet.NodePacket.Rent(PacketSize.Regular, PacketMode.Mix, 0).Footprint;

    private readonly NodeMetrics _metrics = new("Nym.Node.Tests.Links");

    public void Dispose() => _metrics.Dispose();

    private MixLinks Create(MixLinkOptions options) => new(options, _metrics, TimeProvider.System, NullLogger<MixLinks>.Instance);

    private static NodePacket Packet(byte tag) => NodePacket.Copy(TestPackets.Random(PacketSize.Regular, tag), PacketMode.Mix, 0);

    [Fact]
    public async Task Frames_go_out_in_order_on_one_connection_per_next_hop()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var links = Create(new MixLinkOptions());
        var hop = TestPackets.Address(((IPEndPoint)listener.LocalEndpoint).Port);
        var token = TestContext.Current.CancellationToken;

        for (byte i = 0; i < 50; i++)
        {
            Assert.True(links.TrySend(hop, Packet(i)));
        }

        using var connection = await listener.AcceptTcpClientAsync(token);
        for (byte i = 0; i < 50; i++)
        {
            Assert.Equal(i, (await TestPackets.ReadFrameAsync(connection.GetStream(), token))[0]);
        }

        Assert.Equal(1, links.LinkCount);
        await Eventually.TrueAsync(() => _metrics.Forwarded == 50, "50 forwarded");
        await links.DisposeAsync();
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task A_link_queues_at_most_its_capacity_and_drops_the_rest()
    {
        // Nothing listens there, and the backoff is long: the queue only fills.
        var hop = TestPackets.Address(TestPackets.FreePort());
        var links = Create(new MixLinkOptions { QueueCapacity = 4, InitialReconnectBackoff = TimeSpan.FromHours(1), DrainTimeout = TimeSpan.FromMilliseconds(50) });

        var sent = Enumerable.Range(0, 10).Select(i => links.TrySend(hop, Packet((byte)i))).ToArray();

        Assert.Equal([true, true, true, true, false, false, false, false, false, false], sent);
        Assert.Equal(6, _metrics.Dropped(DropReason.QueueFull));
        Assert.Equal(4, links.QueuedFrames);

        await links.DisposeAsync();
        Assert.Equal(4, _metrics.Dropped(DropReason.Shutdown));
        Assert.False(links.TrySend(hop, Packet(0)));
    }

    [Fact]
    public async Task All_links_together_hold_at_most_their_byte_bound()
    {
        var links = Create(new MixLinkOptions
        {
            MaxQueuedBytes = 3 * RegularFootprint, InitialReconnectBackoff = TimeSpan.FromHours(1), DrainTimeout = TimeSpan.FromMilliseconds(50),
        });
        var first = TestPackets.Address(TestPackets.FreePort());
        var second = TestPackets.Address(TestPackets.FreePort());

        var sent = new[] { links.TrySend(first, Packet(1)), links.TrySend(second, Packet(2)), links.TrySend(first, Packet(3)), links.TrySend(second, Packet(4)) };

        Assert.Equal([true, true, true, false], sent);
        Assert.Equal(1, _metrics.Dropped(DropReason.QueueFull));
        await links.DisposeAsync();
    }

    [Fact]
    public async Task The_number_of_links_is_capped()
    {
        var links = Create(new MixLinkOptions { MaxLinks = 2, InitialReconnectBackoff = TimeSpan.FromHours(1), DrainTimeout = TimeSpan.FromMilliseconds(50) });

        Assert.True(links.TrySend(TestPackets.Address(TestPackets.FreePort()), Packet(1)));
        Assert.True(links.TrySend(TestPackets.Address(TestPackets.FreePort()), Packet(2)));
        Assert.False(links.TrySend(TestPackets.Address(TestPackets.FreePort()), Packet(3)));

        Assert.Equal(1, _metrics.Dropped(DropReason.TooManyLinks));
        await links.DisposeAsync();
    }

    [Fact]
    public async Task A_link_connects_after_backoff_and_reconnects_when_the_peer_goes_away()
    {
        int port = TestPackets.FreePort();
        var hop = TestPackets.Address(port);
        var links = Create(new MixLinkOptions { InitialReconnectBackoff = TimeSpan.FromMilliseconds(20), MaximumReconnectBackoff = TimeSpan.FromMilliseconds(100) });
        var token = TestContext.Current.CancellationToken;

        // The first try is refused: the packet waits in the queue through the backoff.
        Assert.True(links.TrySend(hop, Packet(1)));
        await Task.Delay(50, token);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();

        using (var first = await listener.AcceptTcpClientAsync(token))
        {
            Assert.Equal(1, (await TestPackets.ReadFrameAsync(first.GetStream(), token))[0]);
        }

        // The peer closed: writes fail, the link reconnects, and later packets arrive on a new connection.
        var accept = listener.AcceptTcpClientAsync(token).AsTask();
        for (int i = 0; !accept.IsCompleted; i++)
        {
            Assert.True(i < 200, "no reconnection");
            links.TrySend(hop, Packet(2));
            await Task.Delay(20, token);
        }

        using var second = await accept;
        Assert.Equal(2, (await TestPackets.ReadFrameAsync(second.GetStream(), token))[0]);
        await links.DisposeAsync();
    }

    [Fact]
    public async Task A_link_that_cannot_connect_gives_up_its_slot_and_its_packets()
    {
        // Anyone can name unreachable next hops: such links must not keep their slots (MaxLinks) for long.
        var links = Create(new MixLinkOptions
        {
            InitialReconnectBackoff = TimeSpan.FromHours(1), UnreachableTimeout = TimeSpan.FromMilliseconds(200), IdleTimeout = TimeSpan.FromHours(1),
            DrainTimeout = TimeSpan.FromMilliseconds(50),
        });
        var token = TestContext.Current.CancellationToken;

        Assert.True(links.TrySend(TestPackets.Address(TestPackets.FreePort()), Packet(1)));
        Assert.Equal(1, links.LinkCount);

        for (int i = 0; links.LinkCount > 0; i++)
        {
            Assert.True(i < 200, "the unreachable link was never closed");
            await Task.Delay(20, token);
        }

        for (int i = 0; _metrics.Dropped(DropReason.LinkFailed) == 0; i++)
        {
            Assert.True(i < 200, "the unreachable link's packet was not counted");
            await Task.Delay(20, token);
        }

        Assert.Equal(1, _metrics.Dropped(DropReason.LinkFailed));
        Assert.Equal(0, links.QueuedFrames);
        await links.DisposeAsync();
    }

    [Fact]
    public async Task After_the_peer_closes_the_next_packet_goes_on_a_new_connection_instead_of_into_the_dead_one()
    {
        int port = TestPackets.FreePort();
        var hop = TestPackets.Address(port);
        var links = Create(new MixLinkOptions { InitialReconnectBackoff = TimeSpan.FromMilliseconds(20), DrainTimeout = TimeSpan.FromMilliseconds(50) });
        var token = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();

        Assert.True(links.TrySend(hop, Packet(1)));
        using (var first = await listener.AcceptTcpClientAsync(token))
        {
            Assert.Equal(1, (await TestPackets.ReadFrameAsync(first.GetStream(), token))[0]);
        }

        // The peer has closed (a restart); once its close has arrived (a second is ample, even on a loaded machine),
        // one packet, sent once, must not be lost.
        await Task.Delay(1000, token);
        Assert.True(links.TrySend(hop, Packet(2)));
        using var second = await listener.AcceptTcpClientAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(5), token);
        Assert.Equal(2, (await TestPackets.ReadFrameAsync(second.GetStream(), token))[0]);
        Assert.Equal(0, _metrics.Dropped(DropReason.LinkFailed));
        await links.DisposeAsync();
    }
}
