using System.Net;
using System.Net.Sockets;
using Nym.Node;
using Nym.Node.Topology;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Xunit;

namespace Nym.MixNode.Tests;

/// <summary>
/// Three real mix nodes (layers 1, 2, 3) in-process, registered with an in-test Topology service, and a final-hop
/// listener standing in for the gateway (which comes later): it holds its own Sphinx key and decodes what arrives.
/// </summary>
public sealed class ThreeNodes : IAsyncLifetime
{
    private readonly TcpListener _finalHop = new(IPAddress.Loopback, 0);

    public FakeTopology Topology { get; private set; } = null!;

    public RunningNode[] Nodes { get; private set; } = [];

    public EncryptionKeyPair FinalKey { get; } = EncryptionKeyPair.Generate();

    public NymNodeRoutingAddress FinalAddress => NymNodeRoutingAddress.FromEndPoint((IPEndPoint)_finalHop.LocalEndpoint);

    private Task<TcpClient>? _accepted;

    public async ValueTask InitializeAsync()
    {
        _finalHop.Start();
        Topology = await FakeTopology.StartAsync(TimeSpan.FromMinutes(5));
        Nodes = await Task.WhenAll(Enumerable.Range(1, 3).Select(layer => RunningNode.StartAsync(layer, Topology.Url)));
    }

    /// <summary>The connection from layer 3 to the final hop (one per next hop, §6), accepted once.</summary>
    public Task<TcpClient> FinalConnection() => _accepted ??= _finalHop.AcceptTcpClientAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Topology.DisposeAsync();
        _finalHop.Stop();
        _finalHop.Dispose();
    }
}

public sealed class ThreeNodeTests(ThreeNodes network) : IClassFixture<ThreeNodes>
{
    private static readonly SphinxPacketBuilder Builder = new(PacketSize.Regular.PayloadLength());

    private byte[] Packet(ulong[] delays, ReadOnlySpan<byte> message, int hops = 4)
    {
        var route = network.Nodes
            .Select(n => new SphinxHop(NymNodeRoutingAddress.FromEndPoint(n.MixEndPoint).ToSphinxAddress(), n.Keys.Sphinx.PublicKey))
            .Append(new SphinxHop(network.FinalAddress.ToSphinxAddress(), network.FinalKey.PublicKey))
            .Take(hops).ToArray();
        var packet = new byte[Builder.PacketLength];
        Builder.Build(route, delays, new SphinxDestination(default, default), message, packet);
        return packet;
    }

    private async Task SendToLayerOneAsync(params byte[][] packets)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(network.Nodes[0].MixEndPoint, TestContext.Current.CancellationToken);
        foreach (var packet in packets)
        {
            var frame = new byte[MixFrameCodec.GetFrameLength(packet.Length)];
            MixFrameCodec.Encode(PacketMode.Mix, packet, frame);
            await client.GetStream().WriteAsync(frame, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Reads frames at the final-hop listener until one opens (with the final key) to <paramref name="message"/>. The
    /// listener is shared by the class's tests, so packets another test let through are skipped, not mistaken.
    /// </summary>
    private async Task ReceiveAtFinalHopAsync(byte[] message)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var stream = (await network.FinalConnection().WaitAsync(timeout.Token)).GetStream();
        while (true)
        {
            var header = new byte[MixFrameCodec.HeaderLength];
            await stream.ReadExactlyAsync(header, timeout.Token);
            Assert.Equal([(byte)PacketSize.Regular, (byte)PacketMode.Mix], header);
            var packet = new byte[PacketSize.Regular.PacketLength()];
            await stream.ReadExactlyAsync(packet, timeout.Token);

            var result = new SphinxProcessor(network.FinalKey.PrivateKey).Process(packet, packet);
            Assert.Equal(SphinxHopKind.Final, result.Kind);
            Assert.True(SphinxPayload.TryRecoverPlaintext(packet.AsSpan(0, result.OutputLength), out var plaintext, out _));
            if (packet.AsSpan(plaintext).SequenceEqual(message))
            {
                return;
            }
        }
    }

    [Fact]
    public async Task A_packet_crosses_all_three_layers_and_opens_with_the_final_key()
    {
        var message = "across the mixnet"u8.ToArray();

        await SendToLayerOneAsync(Packet([0, 1_000_000, 0, 0], message));

        await ReceiveAtFinalHopAsync(message);
        // Counted once the send completes, which may be just after the bytes arrive.
        await Eventually.TrueAsync(() => network.Nodes.All(n => n.Metrics.Forwarded >= 1), "every layer to count a forwarded packet");
    }

    [Fact]
    public async Task A_replayed_packet_is_dropped_and_counted()
    {
        var layer1 = network.Nodes[0].Metrics;
        long before = layer1.Dropped(DropReason.Replay);
        var packet = Packet([0, 0, 0, 0], "once"u8);

        await SendToLayerOneAsync(packet, packet);

        await ReceiveAtFinalHopAsync("once"u8.ToArray());
        await Eventually.TrueAsync(() => layer1.Dropped(DropReason.Replay) == before + 1, "the replay to be dropped");
    }

    [Fact]
    public async Task A_tampered_packet_is_dropped_and_counted()
    {
        var layer1 = network.Nodes[0].Metrics;
        long before = layer1.Dropped(DropReason.SphinxError);
        var packet = Packet([0, 0, 0, 0], "tampered"u8);
        packet[200] ^= 0x80; // β: the MAC fails

        await SendToLayerOneAsync(packet);

        await Eventually.TrueAsync(() => layer1.Dropped(DropReason.SphinxError) == before + 1,
            "the tampered packet to be dropped " + string.Join(",", Enum.GetValues<DropReason>().Select(r => $"{r}={layer1.Dropped(r)}")) + $" received={layer1.Received}");
    }

    [Fact]
    public async Task A_packet_asking_for_a_delay_above_the_cap_is_dropped_and_counted()
    {
        var layer1 = network.Nodes[0].Metrics;
        long before = layer1.Dropped(DropReason.DelayOverCap);

        await SendToLayerOneAsync(Packet([11_000_000_000, 0, 0, 0], "slow"u8));

        await Eventually.TrueAsync(() => layer1.Dropped(DropReason.DelayOverCap) == before + 1, "the delay cap to drop the packet");
    }

    [Fact]
    public async Task A_packet_ending_at_a_mix_node_is_dropped_and_counted()
    {
        var layer1 = network.Nodes[0].Metrics;
        long before = layer1.Dropped(DropReason.FinalHopAtMixNode);

        await SendToLayerOneAsync(Packet([0], "ends here"u8, hops: 1));

        await Eventually.TrueAsync(() => layer1.Dropped(DropReason.FinalHopAtMixNode) == before + 1, "the final hop to be dropped");
    }

    [Fact]
    public async Task Every_node_registers_its_signed_descriptor()
    {
        await Eventually.TrueAsync(() => network.Nodes.All(n => n.Registration.State == RegistrationState.Registered), "three registrations");

        var registered = network.Topology.Service.Registrations.ToArray();
        foreach (var node in network.Nodes)
        {
            var descriptor = registered.First(d => d.IdentityKey.Span.SequenceEqual(node.Keys.Identity.PublicKey.AsReadOnlySpan()));
            Assert.Equal(Nym.Topology.V1.NodeKind.MixNode, descriptor.Kind);
            Assert.Equal((uint)node.Config.Layer, descriptor.Layer);
            Assert.Equal((uint)node.Config.MixPort, descriptor.MixPort);
            Assert.Equal("127.0.0.1", descriptor.Host);
            Assert.Equal("1.0.1", descriptor.Version);
            Assert.True(descriptor.SphinxKey.Span.SequenceEqual(node.Keys.Sphinx.PublicKey.AsReadOnlySpan()));
        }
    }
}
