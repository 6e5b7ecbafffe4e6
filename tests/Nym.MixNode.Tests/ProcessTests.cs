using System.Diagnostics;
using System.Net.Sockets;
using Nym.Node.Config;
using Xunit;

namespace Nym.MixNode.Tests;

/// <summary>nym-mixnode as a real process, as a shell, the AppHost or Kubernetes runs it (DESIGN.md principle 3).</summary>
public sealed class ProcessTests : IDisposable
{
    private static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "nym-mixnode.dll");
    private readonly string _home = Directory.CreateTempSubdirectory("nym-mixnode-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NYM_HOME"] = _home;
        foreach (var name in new[] { "NYM_HOST", "NYM_BIND", "NYM_MIX_PORT", "NYM_HTTP_PORT", "NYM_TOPOLOGY", "NYM_LAYER" })
        {
            start.Environment.Remove(name);
        }

        return Process.Start(start)!;
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static void AssertOneClearLine(string error, string expected)
    {
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_exits_zero()
    {
        var (exitCode, output, _) = await RunAsync("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("init", output, StringComparison.Ordinal);
        Assert.Contains("run", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_before_init_exits_non_zero_with_one_clear_line()
    {
        var (exitCode, _, error) = await RunAsync("run", "--id", "nobody");

        Assert.NotEqual(0, exitCode);
        AssertOneClearLine(error, "not initialised");
        Assert.Contains("nym-mixnode init --id nobody", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_then_run_serves_health_and_sigterm_exits_zero()
    {
        int mixPort = Ports.Free(), httpPort = Ports.Free();
        var init = await RunAsync("init", "--id", "m1", "--layer", "2", "--mix-port", $"{mixPort}", "--http-port", $"{httpPort}",
            // Port 1: nothing listens there, whereas a free port could be taken by another test's nym-api meanwhile.
            "--topology", "http://127.0.0.1:1");
        Assert.Equal(0, init.ExitCode);
        Assert.Contains("identity key:", init.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_home, "mixnodes", "m1", "data", "private_sphinx.pem")));

        using var node = Start("run", "--id", "m1");
        _ = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string? health = null;
        for (var deadline = Environment.TickCount64 + 15_000; health is null && Environment.TickCount64 < deadline;)
        {
            try
            {
                health = await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/health"), TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }

        // Served (HTTP 200) but degraded: no Topology service listens in this test, so the node is not listed.
        Assert.Equal("Degraded", health);
        using (var mix = new TcpClient())
        {
            await mix.ConnectAsync("127.0.0.1", mixPort, TestContext.Current.CancellationToken);
        }

        using (var kill = Process.Start("kill", ["-TERM", $"{node.Id}"]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await node.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, node.ExitCode);
    }

    [Fact]
    public async Task A_damaged_key_file_is_named_in_one_line()
    {
        var init = await RunAsync("init", "--id", "m2", "--layer", "1");
        Assert.Equal(0, init.ExitCode);
        var key = Path.Combine(_home, "mixnodes", "m2", "data", "private_identity.pem");
        await File.WriteAllTextAsync(key, "not a key", TestContext.Current.CancellationToken);

        var (exitCode, _, error) = await RunAsync("run", "--id", "m2");

        Assert.Equal(1, exitCode);
        AssertOneClearLine(error, key);
    }

    [Fact]
    public async Task Init_if_missing_creates_the_node_and_a_busy_port_is_one_clear_line()
    {
        using var busy = new TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        int port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

        var (exitCode, output, error) = await RunAsync("run", "--id", "m3", "--init-if-missing", "--layer", "3", "--mix-port", $"{port}");

        Assert.Equal(1, exitCode);
        Assert.Contains("Initialised mix node 'm3' (layer 3)", output, StringComparison.Ordinal);
        AssertOneClearLine(error, $"mix port 127.0.0.1:{port} is already in use");
        Assert.True(NodeConfigFile.TryLoad(Path.Combine(_home, "mixnodes", "m3", "config", "config.toml"), Nym.Node.NodeKind.MixNode, out var config, out _));
        Assert.Equal(3, config!.Layer);
    }

    [Fact]
    public async Task A_bad_option_value_is_one_clear_line()
    {
        var (exitCode, _, error) = await RunAsync("init", "--id", "m4", "--layer", "x");

        Assert.NotEqual(0, exitCode);
        AssertOneClearLine(error, "--layer 'x' is not a number");
    }
}
