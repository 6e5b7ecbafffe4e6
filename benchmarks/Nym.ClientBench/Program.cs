using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Nym.ClientBench;
using Nym.Protocol.Addressing;

// Issue 6's Performance section: nym-client as people run it, measured from outside. The real AppHost's network
// (nym-api, three mix layers, a gateway) and real nym-client processes in standalone mode (their KeyStore and crypto
// work inside them), driven through the binary websocket API (nym-client-api.md §3):
//   1. with zero mix delays (average_packet_delay = average_ack_delay = 0, Nym's fast-mode sending and loop cover):
//      the round trip of a 1 KiB message sent to self, and messages/s and MB/s from one client to another for 1 KiB
//      and 1 MiB messages;
//   2. with Nym 1.0.1's default settings (50 ms hops, cover traffic on): an idle client's CPU and RSS from /proc.
if (!BenchOptions.TryParse(args, out var options, out var usage))
{
    await Console.Error.WriteLineAsync($"nym-clientbench: {usage}\n{BenchOptions.Help}");
    return 2;
}

// Ctrl-C and SIGTERM stop the benchmark through its token, so that the network and the clients are stopped too
// (Aspire's host would otherwise take SIGTERM for itself and wait for a Main that never ends).
using var interrupt = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
var cancellationToken = interrupt.Token;

var home = Directory.CreateTempSubdirectory("nym-clientbench-");
Console.WriteLine($"nym-client benchmark: {Environment.ProcessorCount} cores, load average {LoadAverage()} at start");
try
{
    var watch = Stopwatch.StartNew();
    await using var network = await BenchNetwork.StartAsync(Path.Combine(home.FullName, "network"), cancellationToken);
    Console.WriteLine($"network (AppHost: nym-api, 3 mix layers, gateway) ready in {watch.Elapsed.TotalSeconds:0} s");

    if (options.Samples > 0 || options.Small > 0 || options.Large > 0)
    {
        await FastAsync(network, options, Path.Combine(home.FullName, "clients"), cancellationToken);
    }

    if (options.IdleMinutes > 0)
    {
        await IdleAsync(network, options.IdleMinutes, Path.Combine(home.FullName, "clients"), cancellationToken);
    }

    Console.WriteLine($"load average {LoadAverage()} at the end");
    return 0;
}
catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("nym-clientbench: interrupted");
    return 1;
}
finally
{
    home.Delete(recursive: true);
}

static async Task FastAsync(BenchNetwork network, BenchOptions options, string home, CancellationToken cancellationToken)
{
    var debug = new Dictionary<string, string>
    {
        ["average_packet_delay"] = "0s",
        ["average_ack_delay"] = "0s",
        ["message_sending_average_delay"] = $"{options.SendingDelayMs}ms",
    };
    await using var sender = await NymClientProcess.StartAsync(home, "sender", network.Validator, fastMode: true, debug, cancellationToken);
    await using var receiver = await NymClientProcess.StartAsync(home, "receiver", network.Validator, fastMode: true, debug, cancellationToken);
    await using var senderApp = await App.ConnectAsync(sender.WebSocket, cancellationToken);
    await using var receiverApp = await App.ConnectAsync(receiver.WebSocket, cancellationToken);
    var self = await senderApp.SelfAddressAsync(cancellationToken);
    var other = await receiverApp.SelfAddressAsync(cancellationToken);
    Console.WriteLine($"two nym-client processes (standalone), zero mix delays, message_sending_average_delay {options.SendingDelayMs} ms, "
        + $"fast-mode loop cover: at most {1000.0 / options.SendingDelayMs:N0} packets/s each");

    // Warm-up: JIT, gRPC connections, the crypto service's keys and routes, the cover stock.
    long sequence = 0;
    await TransferAsync(senderApp, self, senderApp, 20, 1024, sequence, cancellationToken);
    await TransferAsync(senderApp, other, receiverApp, 20, 1024, sequence += 20, cancellationToken);
    sequence += 20;

    if (options.Samples > 0)
    {
        var latencies = new List<double>();
        var baseline = new List<double>();
        var message = new byte[1024];
        for (int i = 0; i < options.Samples; i++, sequence++)
        {
            baseline.Add((await senderApp.SelfAddressTimedAsync(cancellationToken)).RoundTrip.TotalMilliseconds);
            Random.Shared.NextBytes(message);
            long written = await senderApp.SendAsync(self, message, sequence, cancellationToken);
            long received = await ArrivalAsync(senderApp, sequence, cancellationToken);
            latencies.Add(Stopwatch.GetElapsedTime(written, received).TotalMilliseconds);
        }

        Console.WriteLine($"  1 KiB to self, round trip (request written -> received frame), {latencies.Count} sequential samples:");
        Console.WriteLine($"    {Summary(latencies)}   (target p50 < 20 ms)");
        Console.WriteLine($"  baseline in the same run, interleaved: selfAddress round trip (websocket API, no mixnet):");
        Console.WriteLine($"    {Summary(baseline)}");
    }

    foreach (var (count, size) in new[] { (options.Small, 1024), (options.Large, 1024 * 1024) })
    {
        if (count == 0)
        {
            continue;
        }

        var elapsed = await TransferAsync(senderApp, other, receiverApp, count, size, sequence, cancellationToken);
        sequence += count;
        double seconds = elapsed.TotalSeconds;
        Console.WriteLine($"  {SizeText(size)} messages, sender -> receiver: {count} in {seconds:0.00} s = {count / seconds:N1} messages/s, "
            + $"{count * (double)size / seconds / 1e6:0.000} MB/s");
    }

    var (senderCpu, receiverCpu) = (sender.CpuTime(), receiver.CpuTime());
    Console.WriteLine($"  CPU used since start: sender {senderCpu.TotalSeconds:0.0} s, receiver {receiverCpu.TotalSeconds:0.0} s; "
        + $"RSS sender {sender.Memory().Rss:0} MB, receiver {receiver.Memory().Rss:0} MB");
}

// Sends count messages back to back from one app and waits until the other app has all of them; the time from the
// first request written to the last frame received.
static async Task<TimeSpan> TransferAsync(App from, Recipient to, App at, int count, int size, long firstSequence, CancellationToken cancellationToken)
{
    var message = new byte[size];
    Random.Shared.NextBytes(message);
    var expected = new HashSet<long>(Enumerable.Range(0, count).Select(i => firstSequence + i));
    var arrived = Task.Run(async () =>
    {
        long last = 0;
        while (expected.Count > 0)
        {
            var (sequence, timestamp) = await at.Arrivals.ReadAsync(cancellationToken);
            if (expected.Remove(sequence))
            {
                last = timestamp;
            }
        }

        return last;
    }, cancellationToken);

    long first = 0;
    for (int i = 0; i < count; i++)
    {
        long written = await from.SendAsync(to, message, firstSequence + i, cancellationToken);
        first = i == 0 ? written : first;
    }

    // Generous: a lost packet costs a retransmission (ack_wait_addition 1.5 s) and the machine is shared.
    var patience = TimeSpan.FromSeconds(60 + count * (size / 2000.0) * 0.05);
    long done = await arrived.WaitAsync(patience, cancellationToken);
    return Stopwatch.GetElapsedTime(first, done);
}

static async Task<long> ArrivalAsync(App app, long sequence, CancellationToken cancellationToken)
{
    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    timeout.CancelAfter(TimeSpan.FromSeconds(60));
    while (true)
    {
        var (arrived, timestamp) = await app.Arrivals.ReadAsync(timeout.Token);
        if (arrived == sequence)
        {
            return timestamp;
        }
    }
}

static async Task IdleAsync(BenchNetwork network, int minutes, string home, CancellationToken cancellationToken)
{
    await using var client = await NymClientProcess.StartAsync(home, "idle", network.Validator, fastMode: false, new Dictionary<string, string>(), cancellationToken);
    await using var app = await App.ConnectAsync(client.WebSocket, cancellationToken);
    await app.SelfAddressAsync(cancellationToken);
    Console.WriteLine($"one nym-client process (standalone), Nym 1.0.1's default [debug] settings, an app connected, idle for {minutes} min "
        + "after a 30 s settling period:");

    // Settling: JIT, the first cover stock, the topology read.
    await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
    var start = Stopwatch.GetTimestamp();
    var startCpu = client.CpuTime();
    var previousCpu = startCpu;
    for (int minute = 1; minute <= minutes; minute++)
    {
        await Task.Delay(TimeSpan.FromMinutes(1), cancellationToken);
        var cpu = client.CpuTime();
        var (rss, _) = client.Memory();
        Console.WriteLine($"    minute {minute,2}: CPU {(cpu - previousCpu).TotalSeconds / 60 * 100:0.00}% of one core, RSS {rss:0.0} MB   (load average {LoadAverage()})");
        previousCpu = cpu;
    }

    var wall = Stopwatch.GetElapsedTime(start);
    var used = client.CpuTime() - startCpu;
    var (finalRss, peak) = client.Memory();
    Console.WriteLine($"  idle over {wall.TotalMinutes:0.0} min: CPU {used / wall * 100:0.00}% of one core (target < 5%), "
        + $"RSS {finalRss:0.0} MB (target < 150 MB), peak RSS {peak:0.0} MB");
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    interrupt.Cancel();
}

static string Summary(List<double> values)
{
    values.Sort();
    return $"p50 {Percentile(values, 0.50):0.0} ms   p99 {Percentile(values, 0.99):0.0} ms   mean {values.Average():0.0} ms   "
        + $"min {values[0]:0.0} ms   max {values[^1]:0.0} ms";
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];

static string SizeText(int size) => size >= 1024 * 1024 ? $"{size / (1024 * 1024)} MiB" : $"{size / 1024} KiB";

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

/// <summary>The command line: counts and the idle duration, each a whole number.</summary>
internal sealed record BenchOptions(int IdleMinutes, int Samples, int Small, int Large, int SendingDelayMs)
{
    public const string Help = """
        usage: nym-clientbench [--idle-minutes N] [--samples N] [--small N] [--large N] [--sending-delay-ms N]
          --idle-minutes N      idle client measured for N minutes, default settings (default 10; 0 skips it)
          --samples N           1 KiB round trips to self (default 300; 0 skips them)
          --small N             1 KiB messages from one client to another (default 500)
          --large N             1 MiB messages from one client to another (default 5)
          --sending-delay-ms N  message_sending_average_delay of the zero-delay clients (default 4, Nym's fast mode)
        """;

    public static bool TryParse(string[] args, out BenchOptions options, out string error)
    {
        options = new BenchOptions(10, 300, 500, 5, 4);
        error = "";
        for (int i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > 100_000)
            {
                error = i + 1 >= args.Length ? $"{args[i]} needs a value" : $"{args[i]} takes a whole number up to 100000, not '{args[i + 1]}'";
                return false;
            }

            switch (args[i])
            {
                case "--idle-minutes": options = options with { IdleMinutes = value }; break;
                case "--samples": options = options with { Samples = value }; break;
                case "--small": options = options with { Small = value }; break;
                case "--large": options = options with { Large = value }; break;
                case "--sending-delay-ms" when value == 0:
                    error = "--sending-delay-ms must be at least 1 (message_sending_average_delay must be positive)";
                    return false;
                case "--sending-delay-ms": options = options with { SendingDelayMs = value }; break;
                default:
                    error = $"unknown option or value '{args[i]} {args[i + 1]}'";
                    return false;
            }
        }

        return true;
    }
}
