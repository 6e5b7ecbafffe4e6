using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nym.Node.Mixnet;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Xunit;

namespace Nym.Node.Tests;

internal static class TestPackets
{
    private static readonly SphinxPacketBuilder Builder = new(PacketSize.Regular.PayloadLength());

    public static NymNodeRoutingAddress Address(int port) => NymNodeRoutingAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>A regular Sphinx packet over <paramref name="route"/> with the given per-hop delays (ns).</summary>
    public static byte[] Build((NymNodeRoutingAddress Address, EncryptionKeyPair Key)[] route, ulong[] delays, ReadOnlySpan<byte> message)
    {
        var hops = route.Select(hop => new SphinxHop(hop.Address.ToSphinxAddress(), hop.Key.PublicKey)).ToArray();
        var packet = new byte[Builder.PacketLength];
        Builder.Build(hops, delays, new SphinxDestination(default, default), message, packet);
        return packet;
    }

    public static byte[] Random(PacketSize size, byte first = 0)
    {
        var packet = new byte[size.PacketLength()];
        System.Random.Shared.NextBytes(packet);
        packet[0] = first;
        return packet;
    }

    public static byte[] Frame(byte[] packet, PacketMode mode = PacketMode.Mix)
    {
        var frame = new byte[MixFrameCodec.GetFrameLength(packet.Length)];
        MixFrameCodec.Encode(mode, packet, frame);
        return frame;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<byte[]> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[MixFrameCodec.HeaderLength];
        await stream.ReadExactlyAsync(header, cancellationToken);
        Assert.Equal((byte)PacketMode.Mix, header[1]);
        Assert.True(PacketSizes.TryFromId(header[0], out var size));
        var packet = new byte[size.PacketLength()];
        await stream.ReadExactlyAsync(packet, cancellationToken);
        return packet;
    }
}

/// <summary>Collects what the listener hands on.</summary>
internal sealed class CollectingSink : IMixPacketSink
{
    private readonly Channel<NodePacket> _packets = Channel.CreateUnbounded<NodePacket>();

    public ValueTask<bool> WriteAsync(NodePacket packet, CancellationToken cancellationToken) => ValueTask.FromResult(_packets.Writer.TryWrite(packet));

    /// <summary>The next packet's bytes (the buffer goes back to the pool).</summary>
    public async Task<(PacketSize Size, byte[] Bytes)> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var packet = await _packets.Reader.ReadAsync(timeout.Token);
        var bytes = packet.Span.ToArray();
        packet.Return();
        return (packet.Size, bytes);
    }

    public int Count => _packets.Reader.Count;
}

/// <summary>A Kestrel server with only the mix listener, on a free loopback port.</summary>
internal sealed class ListenerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ListenerHost(WebApplication app, NodeMetrics metrics, CollectingSink sink)
    {
        _app = app;
        Metrics = metrics;
        Sink = sink;
    }

    public NodeMetrics Metrics { get; }

    public CollectingSink Sink { get; }

    public int Port { get; private set; }

    public static async Task<ListenerHost> StartAsync(MixListenerOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var metrics = new NodeMetrics("Nym.Node.Tests");
        var sink = new CollectingSink();
        builder.Services.AddSingleton(metrics).AddSingleton<IMixPacketSink>(sink).AddSingleton(TimeProvider.System)
            .AddSingleton(options ?? new MixListenerOptions()).AddSingleton<MixConnectionHandler>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseConnectionHandler<MixConnectionHandler>()));
        var app = builder.Build();
        await app.StartAsync();
        var host = new ListenerHost(app, metrics, sink);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        host.Port = new Uri(address).Port;
        return host;
    }

    public async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, Port);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Metrics.Dispose();
    }
}

/// <summary>Waits for a condition that another thread makes true.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}
