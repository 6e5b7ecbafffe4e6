using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// nym-keystore or nym-crypto as a process, as the AppHost or a shell runs them: ports chosen by the service (0), its
/// endpoints read from its startup line, stopped with SIGTERM.
/// </summary>
internal sealed partial class ServiceExeProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<(Uri Http, Uri Grpc)> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceExeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, line) => Record(line.Data);
        process.ErrorDataReceived += (_, line) => Record(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => _serving.TrySetException(new InvalidOperationException($"{process.StartInfo.ArgumentList[0]} exited:\n{Output}")), TaskScheduler.Default);
    }

    public Uri Http { get; private set; } = null!;

    public Uri Grpc { get; private set; } = null!;

    /// <summary>Everything it wrote, stdout and stderr interleaved.</summary>
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

    /// <summary>Starts <paramref name="exe"/> (nym-keystore or nym-crypto, built next to the tests) and waits until it serves.</summary>
    public static async Task<ServiceExeProcess> StartAsync(string exe, IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, exe + ".dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Only what the test gives: nothing inherited from whatever runs the tests.
        foreach (var name in new[] { "NYM_HOME", "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_BIND", "NYM_KEYSTORE", "NYM_TOPOLOGY", "NYM_SERVICE_TOKEN", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var service = new ServiceExeProcess(Process.Start(start)!);
        try
        {
            (service.Http, service.Grpc) = await service._serving.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM; the exit code once it has stopped.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await Signals.TerminateAsync(_process);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
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

        if (ServingLine().Match(line) is { Success: true } match)
        {
            _serving.TrySetResult((new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value)));
        }
    }

    /// <summary>Both services' startup line: "nym-… serving HTTP on &lt;url&gt; and gRPC on &lt;url&gt;[,;] …".</summary>
    [GeneratedRegex(@"serving HTTP on (http://[^\s,;]+) and gRPC on (http://[^\s,;]+)")]
    private static partial Regex ServingLine();
}
