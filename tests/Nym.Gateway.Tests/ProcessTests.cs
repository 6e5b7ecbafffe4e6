using System.Diagnostics;
using System.Net.WebSockets;
using Nym.TestNetwork;
using Nym.Node.Keys;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>nym-gateway as a real process, as a shell, the AppHost or Kubernetes runs it (DESIGN.md principle 3).</summary>
public sealed class ProcessTests : IDisposable
{
    private static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "nym-gateway.dll");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _home = new("nym-gateway-home-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _home.Dispose();

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
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("not initialised", line, StringComparison.Ordinal);
        Assert.Contains("nym-gateway init --id nobody", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_database_is_named_in_one_line()
    {
        var init = await RunAsync("init", "--id", "g2", "--clients-port", $"{Ports.Free()}", "--mix-port", $"{Ports.Free()}", "--http-port", $"{Ports.Free()}");
        Assert.Equal(0, init.ExitCode);
        var database = Path.Combine(_home.Path, "gateways", "g2", "data", GatewayApp.DatabaseFile);
        await File.WriteAllTextAsync(database, "this is not an SQLite database, it is a long enough text file to be read as one", Token);

        var (exitCode, _, error) = await RunAsync("run", "--id", "g2");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(database, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_then_run_serves_health_and_clients_and_sigterm_exits_zero()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "SIGTERM is a POSIX signal");
        int clientsPort = Ports.Free(), mixPort = Ports.Free(), httpPort = Ports.Free();
        var init = await RunAsync("init", "--id", "g1", "--clients-port", $"{clientsPort}", "--mix-port", $"{mixPort}", "--http-port", $"{httpPort}");
        Assert.Equal(0, init.ExitCode);
        Assert.True(File.Exists(Path.Combine(_home.Path, "gateways", "g1", "data", "private_identity.pem")));

        using var gateway = Start("run", "--id", "g1");
        var output = gateway.StandardOutput.ReadToEndAsync(Token);
        var error = gateway.StandardError.ReadToEndAsync(Token);
        try
        {
            // Served (HTTP 200) but degraded: NYM_TOPOLOGY points at nothing, so the gateway is not listed.
            Assert.Equal("Degraded", await HealthAsync(httpPort));
            Assert.True(File.Exists(Path.Combine(_home.Path, "gateways", "g1", "data", GatewayApp.DatabaseFile)));

            // A registered client is connected when the stop comes: it is told, and does not hold the stop up.
            Assert.True(NodeKeys.TryLoad(Path.Combine(_home.Path, "gateways", "g1", "data"), out var keys, out var keyError), keyError);
            var client = new TestClient(new Uri($"ws://127.0.0.1:{clientsPort}"), keys!.Identity.PublicKey, topology: null);
            var (connection, _) = await client.RegisterAsync();
            await using var c = connection;

            await Signals.TerminateAsync(gateway, Token);

            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, (await connection.ClosedAsync()).Status);
            await gateway.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
            Assert.True(0 == gateway.ExitCode, $"exit code {gateway.ExitCode}\n{await output}\n{await error}");
        }
        finally
        {
            if (!gateway.HasExited)
            {
                gateway.Kill(entireProcessTree: true);
            }
        }
    }

    private Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NYM_HOME"] = _home.Path;
        // Nothing listens there (a free port could be taken by another test's nym-api meanwhile; port 1 is not):
        // the gateway runs anyway and keeps retrying its registration.
        start.Environment["NYM_TOPOLOGY"] = "http://127.0.0.1:1";
        foreach (var name in new[] { "NYM_HOST", "NYM_BIND", "NYM_MIX_PORT", "NYM_HTTP_PORT", "NYM_CLIENTS_PORT", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        return Process.Start(start)!;
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync(Token);
        var error = process.StandardError.ReadToEndAsync(Token);
        try
        {
            await process.WaitForExitAsync(Token).WaitAsync(Patience, Token);
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

    private static async Task<string?> HealthAsync(int httpPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var deadline = Environment.TickCount64 + (long)Patience.TotalMilliseconds; Environment.TickCount64 < deadline;)
        {
            try
            {
                return await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/health"), Token);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, Token);
            }
        }

        return null;
    }
}
