using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Nym.MixNode;
using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Sphinx;

// The flood benchmark: one real mix node in-process on loopback, flooded over TCP with valid regular packets (delay
// 0, routed onward to a sink listener) for N seconds. It prints the packets per second forwarded next to the cost of
// one Sphinx hop on one core measured in the same run, and their ratio: forwarded / (cores × single-core rate).
// Usage: dotnet run -c Release --project benchmarks/Nym.MixFlood [-- --seconds 10]

int seconds = 10;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--seconds" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int s) && s > 0)
    {
        seconds = s;
    }
    else
    {
        Console.Error.WriteLine("usage: Nym.MixFlood [--seconds N]");
        return 2;
    }
}

const int WarmupSeconds = 1;
const int ChunkFrames = 32;
int cores = Environment.ProcessorCount;
int frameLength = MixFrameCodec.GetFrameLength(PacketSize.Regular.PacketLength());

var sink = new TcpListener(IPAddress.Loopback, 0);
sink.Start();
var sinkAddress = NymNodeRoutingAddress.FromEndPoint((IPEndPoint)sink.LocalEndpoint);
long sinkBytes = 0;
_ = Task.Run(async () =>
{
    while (true)
    {
        var connection = await sink.AcceptTcpClientAsync();
        _ = Task.Run(async () =>
        {
            var buffer = new byte[1 << 20];
            var stream = connection.GetStream();
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                Interlocked.Add(ref sinkBytes, read);
            }
        });
    }
});

var config = new NodeConfig
{
    Kind = NodeKind.MixNode, Id = "flood", Layer = 1, MixPort = FreePort(), HttpPort = FreePort(),
    TopologyUrl = $"http://127.0.0.1:{FreePort()}",
};
var keys = NodeKeys.Generate();
var sinkKey = EncryptionKeyPair.Generate();
var nodeHop = new SphinxHop(NymNodeRoutingAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, config.MixPort)).ToSphinxAddress(), keys.Sphinx.PublicKey);
var sinkHop = new SphinxHop(sinkAddress.ToSphinxAddress(), sinkKey.PublicKey);

// 1. The single-core cost of a hop, on packets like the flood's.
var sample = Build(4000);
var processor = new SphinxProcessor(keys.Sphinx.PrivateKey);
var output = new byte[PacketSize.Regular.PacketLength()];
for (int i = 0; i < 500; i++)
{
    processor.Process(Packet(sample, i), output);
}

var clock = Stopwatch.StartNew();
int processed = 0;
for (; clock.Elapsed < TimeSpan.FromSeconds(2); processed++)
{
    if (processor.Process(Packet(sample, processed % 4000), output).Kind != SphinxHopKind.Forward)
    {
        throw new InvalidOperationException("a benchmark packet did not process");
    }
}

double singleCoreRate = processed / clock.Elapsed.TotalSeconds;
double ceiling = cores * singleCoreRate;

// 2. Distinct packets for the whole flood (the replay filter drops repeats), framed back to back.
// One array holds them all, so at most 2 GiB of frames.
int count = (int)Math.Min(Math.Ceiling((seconds + WarmupSeconds) * ceiling * 1.05 / ChunkFrames), int.MaxValue / frameLength / ChunkFrames) * ChunkFrames;
Console.WriteLine($"building {count:N0} packets ({count * (long)frameLength / (1 << 20):N0} MiB)…");
var frames = Build(count);

// 3. The node, with the real startup code, and the flood.
await using var app = MixNodeApp.Build(config, keys, services => services.RemoveAll<ILoggerProvider>());
await app.StartAsync();
var metrics = app.Services.GetRequiredService<NodeMetrics>();

long nextChunk = 0;
int chunks = count / ChunkFrames;
using var stop = new CancellationTokenSource();
var flooders = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
{
    using var client = new TcpClient { NoDelay = true };
    await client.ConnectAsync(IPAddress.Loopback, config.MixPort);
    var stream = client.GetStream();
    long chunk;
    while (!stop.IsCancellationRequested && (chunk = Interlocked.Increment(ref nextChunk) - 1) < chunks)
    {
        await stream.WriteAsync(frames.AsMemory((int)(chunk * ChunkFrames * frameLength), ChunkFrames * frameLength), stop.Token);
    }
})).ToArray();

await Task.Delay(TimeSpan.FromSeconds(WarmupSeconds));
long sinkStart = Interlocked.Read(ref sinkBytes), forwardedStart = metrics.Forwarded;
clock.Restart();
await Task.Delay(TimeSpan.FromSeconds(seconds));
long sinkEnd = Interlocked.Read(ref sinkBytes), forwardedEnd = metrics.Forwarded;
double elapsed = clock.Elapsed.TotalSeconds;
bool exhausted = Interlocked.Read(ref nextChunk) >= chunks;
await stop.CancelAsync();
await Task.WhenAll(flooders.Select(f => f.ContinueWith(_ => { }, TaskScheduler.Default)));

double forwardedRate = (sinkEnd - sinkStart) / frameLength / elapsed;
Console.WriteLine($"nym-mixnode flood: {seconds} s on {cores} cores, regular packets ({PacketSize.Regular.PacketLength()} B), delay 0, one hop to a sink, over loopback TCP");
Console.WriteLine($"  single-core Sphinx hop:   {1e6 / singleCoreRate:F1} µs = {singleCoreRate:N0} packets/s");
Console.WriteLine($"  forwarded (at the sink):  {forwardedRate:N0} packets/s   (node count: {(forwardedEnd - forwardedStart) / elapsed:N0}/s)");
Console.WriteLine($"  ratio forwarded / ({cores} × single-core rate): {forwardedRate / ceiling:F2}   (target ≥ 0.6)");
Console.WriteLine($"  node totals: received {metrics.Received:N0}, forwarded {metrics.Forwarded:N0}, dropped {metrics.DroppedTotal:N0}"
    + string.Concat(Enum.GetValues<DropReason>().Where(r => metrics.Dropped(r) > 0).Select(r => $" [{NodeMetrics.TagOf(r)} {metrics.Dropped(r):N0}]")));
if (exhausted)
{
    Console.WriteLine("  note: the flood ran out of distinct packets before the end; the rate is a lower bound");
}

await app.StopAsync();
sink.Stop();
return 0;

byte[] Build(int packets)
{
    var all = new byte[(long)packets * frameLength];
    Parallel.For(0, packets, () => new SphinxPacketBuilder(PacketSize.Regular.PayloadLength()), (i, _, builder) =>
    {
        var frame = all.AsSpan(i * frameLength, frameLength);
        frame[0] = (byte)PacketSize.Regular;
        frame[1] = (byte)PacketMode.Mix;
        builder.Build([nodeHop, sinkHop], [0, 0], new SphinxDestination(default, default), "flood"u8, frame[MixFrameCodec.HeaderLength..]);
        return builder;
    }, _ => { });
    return all;
}

ReadOnlySpan<byte> Packet(byte[] all, int index) => all.AsSpan(index * frameLength + MixFrameCodec.HeaderLength, frameLength - MixFrameCodec.HeaderLength);

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
