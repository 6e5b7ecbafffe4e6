using System.Net.Sockets;
using Nym.Protocol.Framing;
using Xunit;

namespace Nym.Node.Tests;

public sealed class MixListenerTests
{
    [Fact]
    public async Task Frames_split_at_any_byte_arrive_whole_and_in_order()
    {
        await using var host = await ListenerHost.StartAsync();
        using var client = await host.ConnectAsync();
        var stream = client.GetStream();
        var packets = new[] { TestPackets.Random(PacketSize.Regular, 1), TestPackets.Random(PacketSize.Ack, 2), TestPackets.Random(PacketSize.Extended, 3) };
        var bytes = packets.SelectMany(p => TestPackets.Frame(p)).ToArray();

        // Split points that cut headers (1 byte in) and bodies, with a pause so each piece is its own read.
        var random = new Random(7);
        for (int offset = 0; offset < bytes.Length;)
        {
            int length = offset == 0 ? 1 : Math.Min(random.Next(1, 5000), bytes.Length - offset);
            await stream.WriteAsync(bytes.AsMemory(offset, length), TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
            offset += length;
            if (random.Next(4) == 0)
            {
                await Task.Delay(2, TestContext.Current.CancellationToken);
            }
        }

        foreach (var expected in packets)
        {
            var (size, received) = await host.Sink.NextAsync();
            Assert.Equal(expected.Length, size.PacketLength());
            Assert.Equal(expected, received);
        }

        Assert.Equal(3, host.Metrics.Received);
    }

    [Fact]
    public async Task A_garbage_peer_is_cut_off_while_a_good_peer_on_the_same_node_keeps_working()
    {
        await using var host = await ListenerHost.StartAsync();
        using var good = await host.ConnectAsync();
        using var bad = await host.ConnectAsync();
        var token = TestContext.Current.CancellationToken;

        await good.GetStream().WriteAsync(TestPackets.Frame(TestPackets.Random(PacketSize.Regular, 1)), token);
        Assert.Equal(1, (await host.Sink.NextAsync()).Bytes[0]);

        // Size id 7 does not exist (nym-mixnet.md §6): the connection is closed.
        await bad.GetStream().WriteAsync(new byte[] { 7, 0, 1, 2, 3, 4 }, token);
        Assert.Equal(0, await ReadUntilClosedAsync(bad));

        await good.GetStream().WriteAsync(TestPackets.Frame(TestPackets.Random(PacketSize.Regular, 2)), token);
        Assert.Equal(2, (await host.Sink.NextAsync()).Bytes[0]);
        Assert.Equal(1, host.Metrics.Dropped(DropReason.BadFrame));
        Assert.Equal(1, host.Metrics.ConnectionsRefused);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2 }, DropReason.BadFrame)]
    [InlineData(new byte[] { 0, 0 }, DropReason.BadFrame)]
    [InlineData(new byte[] { 1, 1 }, DropReason.VpnMode)]
    public async Task A_bad_size_id_a_bad_mode_or_vpn_mode_closes_the_connection(byte[] header, DropReason reason)
    {
        await using var host = await ListenerHost.StartAsync();
        using var client = await host.ConnectAsync();
        var frame = TestPackets.Frame(TestPackets.Random(PacketSize.Regular));
        header.CopyTo(frame, 0);

        await client.GetStream().WriteAsync(frame, TestContext.Current.CancellationToken);

        Assert.Equal(0, await ReadUntilClosedAsync(client));
        Assert.Equal(1, host.Metrics.Dropped(reason));
        Assert.Equal(0, host.Sink.Count);
    }

    [Fact]
    public async Task Connections_beyond_the_cap_are_closed_at_once_and_a_silent_one_after_the_idle_timeout()
    {
        await using var host = await ListenerHost.StartAsync(new Nym.Node.Mixnet.MixListenerOptions { MaxConnections = 1, IdleTimeout = TimeSpan.FromSeconds(2) });
        using var first = await host.ConnectAsync();
        await Task.Delay(50, TestContext.Current.CancellationToken);

        using (var second = await host.ConnectAsync())
        {
            Assert.Equal(0, await ReadUntilClosedAsync(second));
        }

        Assert.Equal(1, host.Metrics.ConnectionsRefused);

        // The first sends nothing: it is closed after the idle timeout, which frees its place.
        Assert.Equal(0, await ReadUntilClosedAsync(first));
        using var third = await host.ConnectAsync();
        await third.GetStream().WriteAsync(TestPackets.Frame(TestPackets.Random(PacketSize.Regular)), TestContext.Current.CancellationToken);
        for (int i = 0; host.Sink.Count == 0; i++)
        {
            Assert.True(i < 200, "the third connection's frame never arrived");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_peer_that_leaves_mid_frame_disturbs_nothing()
    {
        await using var host = await ListenerHost.StartAsync();
        using (var leaving = await host.ConnectAsync())
        {
            await leaving.GetStream().WriteAsync(TestPackets.Frame(TestPackets.Random(PacketSize.Regular)).AsMemory(0, 1000), TestContext.Current.CancellationToken);
        }

        using var client = await host.ConnectAsync();
        await client.GetStream().WriteAsync(TestPackets.Frame(TestPackets.Random(PacketSize.Ack, 9)), TestContext.Current.CancellationToken);
        Assert.Equal(9, (await host.Sink.NextAsync()).Bytes[0]);
        Assert.Equal(0, host.Metrics.ConnectionsRefused);
    }

    /// <summary>0 once the server has closed the connection (a reset counts as closed too).</summary>
    private static async Task<int> ReadUntilClosedAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[256];
        try
        {
            int read;
            while ((read = await client.GetStream().ReadAsync(buffer, timeout.Token)) > 0)
            {
            }

            return read;
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return 0;
        }
    }
}
