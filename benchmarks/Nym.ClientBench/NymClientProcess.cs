using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Nym.ClientBench;

/// <summary>
/// One real nym-client exe (nym-client.dll beside this benchmark) in standalone mode: it hosts its KeyStore and crypto
/// service in its own process, so everything the client costs shows in that process's /proc entries.
/// </summary>
internal sealed partial class NymClientProcess : IAsyncDisposable
{
    private static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "nym-client.dll");
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NymClientProcess(Process process, Uri webSocket)
    {
        _process = process;
        WebSocket = webSocket;
        process.OutputDataReceived += (_, line) => Record(line.Data);
        process.ErrorDataReceived += (_, line) => Record(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(
            _ => _ready.TrySetException(new InvalidOperationException($"nym-client exited early:\n{Output}")), TaskScheduler.Default);
    }

    /// <summary>The websocket API, binary from the start (D5).</summary>
    public Uri WebSocket { get; }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// `nym-client init` against nym-api, then [debug] of config.toml set to <paramref name="debug"/> (key → humantime
    /// value, nym-client-api.md §7), then `nym-client run` on a free port; returns once the client serves apps.
    /// </summary>
    public static async Task<NymClientProcess> StartAsync(string home, string id, Uri validator, bool fastMode,
        IReadOnlyDictionary<string, string> debug, CancellationToken cancellationToken)
    {
        string[] init = ["init", "--id", id, "--validators", validator.ToString(), .. fastMode ? new[] { "--fastmode" } : []];
        using (var process = Process.Start(StartInfo(home, init))!)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).WaitAsync(Patience, cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"nym-client init --id {id} failed ({process.ExitCode}):\n{await output}{await error}");
            }
        }

        string configFile = Path.Combine(home, "clients", id, "config", "config.toml");
        string config = await File.ReadAllTextAsync(configFile, cancellationToken);
        foreach (var (key, value) in debug)
        {
            var line = new Regex($"^{Regex.Escape(key)} = .*$", RegexOptions.Multiline);
            config = line.IsMatch(config)
                ? line.Replace(config, $"{key} = '{value}'")
                : throw new InvalidOperationException($"config.toml has no line for {key}");
        }

        await File.WriteAllTextAsync(configFile, config, cancellationToken);

        int port = FreePort();
        var client = new NymClientProcess(Process.Start(StartInfo(home, ["run", "--id", id, "--port", port.ToString(CultureInfo.InvariantCulture)]))!,
            new Uri($"ws://127.0.0.1:{port}/?format=binary"));
        try
        {
            await client._ready.Task.WaitAsync(Patience, cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>CPU time used so far (utime + stime of /proc/&lt;pid&gt;/stat, in clock ticks, proc(5)).</summary>
    public TimeSpan CpuTime()
    {
        string stat = File.ReadAllText($"/proc/{Id}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond());
    }

    /// <summary>Resident set size now and at its peak (VmRSS and VmHWM of /proc/&lt;pid&gt;/status), in MB of 2^20 bytes.</summary>
    public (double Rss, double Peak) Memory()
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024.0;
            }
        }

        return (rss, peak);

        static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>SIGTERM, as a shell or the AppHost stops it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("/bin/kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(string home, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Standalone mode, and no telemetry export: only the client's own work is measured.
        foreach (var name in new[] { "NYM_CLIENT_PORT", "NYM_HTTP_PORT", "NYM_VALIDATORS", "NYM_KEYSTORE", "NYM_CRYPTO", "NYM_SERVICE_TOKEN", "NYM_BIND", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["NYM_HOME"] = home;
        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("The address of this client is: ", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    private static long ClockTicksPerSecond() => SysConf(ScClkTck);

    private const int ScClkTck = 2;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
