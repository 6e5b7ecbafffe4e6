using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Nym.Node.Mixnet;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Xunit;

namespace Nym.Node.Tests;

public sealed class SphinxWorkersTests : IDisposable
{
    private sealed class Collector : ISphinxHopHandler
    {
        public ConcurrentQueue<(SphinxHopKind Kind, Bytes32 Address, ulong Delay, byte[] Output)> Hops { get; } = new();

        public void Handle(in ProcessedHop hop)
        {
            Hops.Enqueue((hop.Kind, hop.Address, hop.DelayNanoseconds, hop.Output.ToArray()));
            hop.Packet.Return();
        }
    }

    private readonly EncryptionKeyPair _nodeKey = EncryptionKeyPair.Generate();
    private readonly EncryptionKeyPair _nextKey = EncryptionKeyPair.Generate();
    private readonly Collector _handler = new();
    private readonly NodeMetrics _metrics = new("Nym.Node.Tests.Workers");

    public void Dispose() => _metrics.Dispose();

    private async Task<SphinxWorkers> ProcessAsync(params byte[][] packets)
    {
        var workers = new SphinxWorkers(new SphinxProcessor(_nodeKey.PrivateKey), new ReplayFilter(new ReplayFilterOptions(), new FakeTimeProvider()),
            _handler, _metrics, capacity: 4, workers: 2);
        workers.Start();
        foreach (var packet in packets)
        {
            Assert.True(await workers.WriteAsync(NodePacket.Copy(packet, PacketMode.Mix, 0), TestContext.Current.CancellationToken));
        }

        await workers.DisposeAsync();
        return workers;
    }

    [Fact]
    public async Task A_forward_hop_reaches_the_handler_with_its_next_hop_and_delay()
    {
        var next = TestPackets.Address(2000);
        var packet = TestPackets.Build([(TestPackets.Address(1000), _nodeKey), (next, _nextKey)], [1234, 0], "hello"u8);

        await ProcessAsync(packet);

        var hop = Assert.Single(_handler.Hops);
        Assert.Equal(SphinxHopKind.Forward, hop.Kind);
        Assert.Equal(next.ToSphinxAddress(), hop.Address);
        Assert.Equal(1234UL, hop.Delay);
        Assert.Equal(packet.Length, hop.Output.Length);
        Assert.Equal(SphinxHopKind.Final, new SphinxProcessor(_nextKey.PrivateKey).Process(hop.Output, new byte[packet.Length]).Kind);
    }

    [Fact]
    public async Task A_replay_and_a_tampered_packet_are_dropped_and_counted()
    {
        var packet = TestPackets.Build([(TestPackets.Address(1000), _nodeKey), (TestPackets.Address(2000), _nextKey)], [0, 0], "x"u8);
        var tampered = (byte[])TestPackets.Build([(TestPackets.Address(1000), _nodeKey), (TestPackets.Address(2000), _nextKey)], [0, 0], "y"u8).Clone();
        tampered[100] ^= 1; // inside β: the MAC no longer verifies

        await ProcessAsync(packet, packet, tampered, packet);

        Assert.Single(_handler.Hops);
        Assert.Equal(2, _metrics.Dropped(DropReason.Replay));
        Assert.Equal(1, _metrics.Dropped(DropReason.SphinxError));
    }

    [Fact]
    public async Task A_forged_copy_does_not_block_the_real_packet()
    {
        // A copy with a broken MAC shares α, hence the shared secret; it must not be remembered (D2).
        var packet = TestPackets.Build([(TestPackets.Address(1000), _nodeKey), (TestPackets.Address(2000), _nextKey)], [0, 0], "x"u8);
        var forged = (byte[])packet.Clone();
        forged[40] ^= 1; // γ

        await ProcessAsync(forged, packet);

        Assert.Single(_handler.Hops);
        Assert.Equal(0, _metrics.Dropped(DropReason.Replay));
    }

    [Fact]
    public async Task A_final_hop_hands_on_the_decrypted_payload_block()
    {
        var packet = TestPackets.Build([(TestPackets.Address(1000), _nodeKey)], [0], "the message"u8);

        await ProcessAsync(packet);

        var hop = Assert.Single(_handler.Hops);
        Assert.Equal(SphinxHopKind.Final, hop.Kind);
        Assert.True(SphinxPayload.TryRecoverPlaintext(hop.Output, out var message, out _));
        Assert.Equal("the message"u8.ToArray(), hop.Output[message]);
    }

    [Fact]
    public async Task A_stopped_sink_refuses_packets()
    {
        var workers = await ProcessAsync();

        Assert.False(await workers.WriteAsync(NodePacket.Copy(TestPackets.Random(PacketSize.Ack), PacketMode.Mix, 0), TestContext.Current.CancellationToken));
        Assert.Equal(1, _metrics.Dropped(DropReason.Shutdown));
    }
}
