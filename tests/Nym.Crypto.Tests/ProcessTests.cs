using System.Diagnostics;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Crypto.Tests;

/// <summary>nym-crypto as a real process, as a shell, the AppHost or Kubernetes runs it (DESIGN.md principle 3).</summary>
public sealed class ProcessTests
{
    private static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "nym-crypto.dll");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Help_lists_every_option_with_its_environment_variable_and_exits_zero()
    {
        var (exitCode, output, _) = await RunAsync(null, "--help");

        Assert.Equal(0, exitCode);
        foreach (var expected in new[]
                 {
                     "--http-port", "NYM_HTTP_PORT", "8084", "--grpc-port", "NYM_GRPC_PORT", "8085", "--bind", "NYM_BIND",
                     "--keystore", "NYM_KEYSTORE", "--topology", "NYM_TOPOLOGY", "--token-file", "NYM_SERVICE_TOKEN",
                 })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_token_it_exits_non_zero_with_one_line_saying_what_to_set()
    {
        var (exitCode, _, error) = await RunAsync(null, "--http-port", "0", "--grpc-port", "0");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("NYM_SERVICE_TOKEN", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_keystore_url_is_one_line_naming_the_option()
    {
        var (exitCode, _, error) = await RunAsync(CryptoHost.Token, "--keystore", "not a url");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--keystore (or NYM_KEYSTORE)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_alone_serves_health_and_exits_zero_on_sigterm()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "SIGTERM is a POSIX signal");
        int httpPort = Ports.Free(), grpcPort = Ports.Free();
        using var crypto = Start(CryptoHost.Token, "--http-port", $"{httpPort}", "--grpc-port", $"{grpcPort}");
        var output = crypto.StandardOutput.ReadToEndAsync(Token);
        var error = crypto.StandardError.ReadToEndAsync(Token);
        try
        {
            // Served (HTTP 200) but degraded: nym-api at port 1 gives no topology, so no packet can be routed yet.
            Assert.Equal("Degraded", await HealthAsync(httpPort));

            await Signals.TerminateAsync(crypto, Token);

            await crypto.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(10), Token);
            Assert.True(0 == crypto.ExitCode, $"exit code {crypto.ExitCode}\n{await output}\n{await error}");
            Assert.DoesNotContain(CryptoHost.Token, await output, StringComparison.Ordinal);
        }
        finally
        {
            if (!crypto.HasExited)
            {
                crypto.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process Start(string? token, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing listens on port 1 (a free port could be taken by another test meanwhile): the service runs anyway.
        start.Environment["NYM_KEYSTORE"] = "http://127.0.0.1:1";
        start.Environment["NYM_TOPOLOGY"] = "http://127.0.0.1:1";
        foreach (var name in new[] { "NYM_BIND", "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_SERVICE_TOKEN", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        if (token is not null)
        {
            start.Environment["NYM_SERVICE_TOKEN"] = token;
        }

        return Process.Start(start)!;
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string? token, params string[] args)
    {
        using var process = Start(token, args);
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

        Assert.Fail($"nym-crypto did not answer /health on port {httpPort} within {Patience.TotalSeconds} s");
        return null;
    }
}
