using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nym.Node.Mixnet;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Xunit;

namespace Nym.Node.Tests;

public sealed class HopForwarderTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly NodeMetrics _metrics = new("Nym.Node.Tests.Forwarder");
    private readonly TcpListener _next = new(IPAddress.Loopback, 0);
    private readonly EncryptionKeyPair _nodeKey = EncryptionKeyPair.Generate();
    private readonly EncryptionKeyPair _nextKey = EncryptionKeyPair.Generate();
    private readonly MixLinks _links;
    private readonly DelayQueue _delays;
    private readonly HopForwarder _forwarder;

    public HopForwarderTests()
    {
        _next.Start();
        // Real sockets on the system clock; the delay queue on the fake one.
        _links = new MixLinks(new MixLinkOptions(), _metrics, TimeProvider.System, NullLogger<MixLinks>.Instance);
        _delays = new DelayQueue((hop, packet) => _links.TrySend(hop, packet), _metrics, _time);
        _forwarder = new HopForwarder(_links, _delays, _metrics, _time, TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        _delays.Dispose();
        await _links.DisposeAsync();
        _next.Dispose();
        _metrics.Dispose();
    }

    private NymNodeRoutingAddress NextHop => NymNodeRoutingAddress.FromEndPoint((IPEndPoint)_next.LocalEndpoint);

    /// <summary>Processes a fresh packet at this node, arrived now, and hands it to the forwarder.</summary>
    private void Arrive(Bytes32 nextHop, ulong delay, byte tag)
    {
        var hops = new[] { new SphinxHop(TestPackets.Address(1).ToSphinxAddress(), _nodeKey.PublicKey), new SphinxHop(nextHop, _nextKey.PublicKey) };
        var bytes = new byte[PacketSize.Regular.PacketLength()];
        new SphinxPacketBuilder(PacketSize.Regular.PayloadLength()).Build(hops, [delay, 0], new SphinxDestination(default, default), [tag], bytes);
        var packet = NodePacket.Copy(bytes, PacketMode.Mix, _time.GetTimestamp());
        var result = new SphinxProcessor(_nodeKey.PrivateKey).Process(packet.Span, packet.Span);
        Assert.Equal(SphinxHopKind.Forward, result.Kind);
        _forwarder.Forward(new ProcessedHop(packet, result));
    }

    [Fact]
    public async Task A_delayed_packet_waits_for_its_instant_and_an_undelayed_one_goes_at_once()
    {
        var token = TestContext.Current.CancellationToken;
        Arrive(NextHop.ToSphinxAddress(), delay: 5_000_000, tag: 1);
        Assert.Equal(1, _delays.Count);

        Arrive(NextHop.ToSphinxAddress(), delay: 0, tag: 2);
        Assert.Equal(1, _delays.Count);
        using var connection = await _next.AcceptTcpClientAsync(token);
        Assert.Equal(2, TagOf(await TestPackets.ReadFrameAsync(connection.GetStream(), token)));

        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(0, _delays.Count);
        Assert.Equal(1, TagOf(await TestPackets.ReadFrameAsync(connection.GetStream(), token)));
    }

    /// <summary>The one-byte message, as the next hop opens it.</summary>
    private byte TagOf(byte[] packet)
    {
        var result = new SphinxProcessor(_nextKey.PrivateKey).Process(packet, packet);
        Assert.Equal(SphinxHopKind.Final, result.Kind);
        Assert.True(SphinxPayload.TryRecoverPlaintext(packet.AsSpan(0, result.OutputLength), out var message, out _));
        return packet[message][0];
    }

    [Fact]
    public void A_delay_above_the_cap_and_a_next_hop_that_is_no_address_are_dropped()
    {
        Arrive(NextHop.ToSphinxAddress(), delay: 10_000_000_001, tag: 1);
        Arrive(default, delay: 0, tag: 2); // version byte 0: not a node address (§6)

        Assert.Equal(1, _metrics.Dropped(DropReason.DelayOverCap));
        Assert.Equal(1, _metrics.Dropped(DropReason.BadNextHop));
        Assert.Equal(0, _delays.Count);
        Assert.Equal(0, _links.LinkCount);
    }
}
