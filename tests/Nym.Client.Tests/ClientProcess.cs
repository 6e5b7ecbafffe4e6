using System.Diagnostics;
using System.Text;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>The real nym-client exe as a process, with its own NYM_HOME, as a shell or the AppHost runs it.</summary>
internal sealed class ClientProcess : IAsyncDisposable
{
    private static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "nym-client.dll");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ClientProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, line) => Record(line.Data, isOutput: true);
        process.ErrorDataReceived += (_, line) => Record(line.Data, isOutput: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => _address.TrySetException(new InvalidOperationException($"nym-client exited:\n{Output}")), TaskScheduler.Default);
    }

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

    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(string home, IDictionary<string, string>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(home, environment, args))!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts `nym-client run …` and waits until it prints its address (it is then serving apps).</summary>
    public static async Task<(ClientProcess Process, string Address)> RunAsync(string home, IDictionary<string, string>? environment, params string[] args)
    {
        var process = new ClientProcess(Process.Start(StartInfo(home, environment, ["run", .. args]))!);
        try
        {
            return (process, await process._address.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM, as Kubernetes and the AppHost stop it; the exit code once it has stopped.</summary>
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

    private static ProcessStartInfo StartInfo(string home, IDictionary<string, string>? environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "NYM_CLIENT_PORT", "NYM_HTTP_PORT", "NYM_VALIDATORS", "NYM_KEYSTORE", "NYM_CRYPTO", "NYM_SERVICE_TOKEN", "NYM_BIND", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["NYM_HOME"] = home;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private void Record(string? line, bool isOutput)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        const string Prefix = "The address of this client is: ";
        if (isOutput && line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            _address.TrySetResult(line[Prefix.Length..].Trim());
        }
    }
}
