using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>The built nym-keystore executable, run as a process the way an operator or the AppHost runs it.</summary>
public sealed partial class ProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The apphost that the build copies next to this test assembly (the service is a project reference).</summary>
    private static string Executable => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "nym-keystore.exe" : "nym-keystore");

    [Fact]
    public async Task Help_explains_every_option_and_exits_0()
    {
        var (exitCode, output, _) = await RunToEndAsync(null, "--help");

        Assert.Equal(0, exitCode);
        foreach (var text in new[]
        {
            "--home", "--http-port", "--grpc-port", "--bind", "--token-file", "NYM_HOME", "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_BIND",
            "NYM_SERVICE_TOKEN", "Default: 8082", "Default: 8083", "Default: 127.0.0.1",
        })
        {
            Assert.Contains(text, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_token_it_refuses_to_start_with_exit_code_1()
    {
        using var home = new TempDirectory();

        var (exitCode, output, error) = await RunToEndAsync(null, "--home", home.Path, "--http-port", "0", "--grpc-port", "0");

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("nym-keystore: No service token", line, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(home.Path));
    }

    [Fact]
    public async Task A_bad_port_is_one_line_on_stderr_and_exit_code_1()
    {
        var (exitCode, output, error) = await RunToEndAsync(KeyStoreHost.Token, "--http-port", "70000");

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("nym-keystore: --http-port", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_token_it_serves_health_and_exits_0_on_SIGTERM()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "SIGTERM is a POSIX signal");
        using var home = new TempDirectory();
        using var process = Start(KeyStoreHost.Token, "--home", home.Path, "--http-port", "0", "--grpc-port", "0");
        var serving = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not null && ServingLine().Match(line.Data) is { Success: true } match)
            {
                serving.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var http = await serving.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            using var client = new HttpClient { BaseAddress = http, Timeout = Patience };
            using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            using (var kill = Process.Start("/bin/kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);
            Assert.Equal(0, process.ExitCode);
            Assert.True(File.Exists(Path.Combine(home.Path, "keystore", "keystore.sqlite")));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static Process Start(string? token, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Its own output only: no telemetry exporter or token inherited from whatever runs the tests.
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        start.Environment.Remove("NYM_SERVICE_TOKEN");
        if (token is not null)
        {
            start.Environment["NYM_SERVICE_TOKEN"] = token;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(string? token, params string[] arguments)
    {
        using var process = Start(token, arguments);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"serving HTTP on (\S+) and gRPC on")]
    private static partial Regex ServingLine();
}
