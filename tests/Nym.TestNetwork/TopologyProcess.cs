using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Nym.TestNetwork;

/// <summary>
/// The real Topology service, nym-api, run as a process on free ports (it picks them: port 0) with a temporary data
/// directory; the nodes register with its gRPC endpoint and the test clients read its validator-API JSON.
/// </summary>
internal sealed partial class TopologyProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly TempDirectory _data;

    private TopologyProcess(Process process, TempDirectory data, Uri http, Uri grpc)
    {
        _process = process;
        _data = data;
        HttpUri = http;
        GrpcUri = grpc;
        Http = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri HttpUri { get; }

    public Uri GrpcUri { get; }

    public HttpClient Http { get; }

    /// <summary>The apphost that the build copies next to this test assembly (nym-api is a project reference).</summary>
    private static string Executable => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "nym-api.exe" : "nym-api");

    public static async Task<TopologyProcess> StartAsync(CancellationToken cancellationToken)
    {
        var data = new TempDirectory("nym-gateway-tests-api-");
        var start = new ProcessStartInfo(Executable, ["--http-port", "0", "--grpc-port", "0", "--bind", "127.0.0.1", "--data-dir", data.Path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_BIND", "NYM_DATA_DIR", "NYM_ANNOUNCE_TTL" })
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start");
        var serving = new TaskCompletionSource<(Uri, Uri)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line.Data);
            }

            if (ServingLine().Match(line.Data) is { Success: true } match)
            {
                serving.TrySetResult((new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value)));
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(line.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var (http, grpc) = await serving.Task.WaitAsync(Patience, cancellationToken);
            return new TopologyProcess(process, data, http, grpc);
        }
        catch (Exception e)
        {
            await StopAsync(process);
            process.Dispose();
            data.Dispose();
            string said;
            lock (output)
            {
                said = output.ToString();
            }

            throw new InvalidOperationException($"nym-api did not start serving: {e.Message}\n{said}", e);
        }
    }

    public async Task<byte[]> GetJsonAsync(string path, CancellationToken cancellationToken) =>
        await Http.GetByteArrayAsync(new Uri(path, UriKind.Relative), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync(_process);
        _process.Dispose();
        _data.Dispose();
    }

    /// <summary>SIGTERM for a clean stop, then a kill if it does not exit in time.</summary>
    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        try
        {
            await Signals.TerminateAsync(process);

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [GeneratedRegex(@"serving HTTP on (\S+) and gRPC on (\S+),")]
    private static partial Regex ServingLine();
}
