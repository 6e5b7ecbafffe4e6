using System.Diagnostics;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// nym-client driven from outside .NET (DESIGN.md "Tests"): Python with Debian's python3-websockets runs the flows of
/// Nym's example programs textsend.py and binarysend.py (nym-client-api.md §8) against the exe as a process.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class PythonAppTests(Network network) : IDisposable
{
    /// <summary>Debian's interpreter, which sees python3-websockets; the python3 first on PATH may be another install.</summary>
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Python", "nym_examples.py");
    private readonly TempDirectory _home = new("nym-client-python-");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Pythons_textsend_and_binarysend_flows_pass_against_the_exe()
    {
        var environment = new Dictionary<string, string> { ["NYM_VALIDATORS"] = network.Topology.HttpUri.ToString() };
        var init = await ClientProcess.RunToEndAsync(_home.Path, environment, "init", "--id", "pyclient", "--fastmode");
        Assert.True(init.ExitCode == 0, init.Error);
        int port = Ports.Free();
        var (client, _) = await ClientProcess.RunAsync(_home.Path, environment, "--id", "pyclient", "--port", $"{port}");
        await using (client)
        {
            var (exitCode, output, error) = await RunPythonAsync(Script, $"ws://127.0.0.1:{port}", "60");

            Assert.True(exitCode == 0, $"{Script} exited with {exitCode}:\n{output}\n{error}\nnym-client:\n{client.Output}");
            Assert.Contains("text flow: ok", output, StringComparison.Ordinal);
            Assert.Contains("binary flow: ok", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_script_fails_clearly_when_no_client_listens()
    {
        // Guards the guard: a script that cannot fail would make the test above pass whatever the client does.
        var (exitCode, output, error) = await RunPythonAsync(Script, $"ws://127.0.0.1:{Ports.Free()}", "5");

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}\n{error}");
        Assert.StartsWith("FAIL: the websocket to ws://127.0.0.1:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("flow: ok", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunPythonAsync(params string[] args)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: install python3 and python3-websockets (./test.sh does it with apt-get)");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var cancellation = TestContext.Current.CancellationToken;
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var error = process.StandardError.ReadToEndAsync(cancellation);
        try
        {
            // The script bounds each wait itself; this only stops a hung interpreter.
            await process.WaitForExitAsync(cancellation).WaitAsync(TimeSpan.FromMinutes(4), cancellation);
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
}
