using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>The built nym-api executable, run as a process the way an operator or the AppHost runs it.</summary>
public sealed partial class ProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>The apphost that the build copies next to this test assembly (the service is a project reference).</summary>
    private static string Executable => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "nym-api.exe" : "nym-api");

    [Fact]
    public async Task Help_explains_every_option_and_exits_0()
    {
        var (exitCode, output, _) = await RunToEndAsync("--help");

        Assert.Equal(0, exitCode);
        foreach (var option in new[] { "--http-port", "--grpc-port", "--bind", "--data-dir", "--announce-ttl", "--version" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }

        foreach (var variable in new[] { "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_BIND", "NYM_DATA_DIR", "NYM_ANNOUNCE_TTL", "Default: 8080", "Default: 90s" })
        {
            Assert.Contains(variable, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--http-port", "70000")]
    [InlineData("--announce-ttl", "soon")]
    public async Task A_bad_value_is_one_line_on_stderr_and_a_failed_exit(string option, string value)
    {
        var (exitCode, output, error) = await RunToEndAsync(option, value);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"nym-api: {option}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_serves_health_and_exits_0_on_SIGTERM()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "SIGTERM is a POSIX signal");
        using var dataDirectory = new TempDirectory();
        using var process = Start("--http-port", "0", "--grpc-port", "0", "--data-dir", dataDirectory.Path);
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
            Assert.True(File.Exists(Path.Combine(dataDirectory.Path, "topology.sqlite")));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Its own output only: no telemetry exporter inherited from whatever runs the tests.
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        return Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"serving HTTP on (\S+) and gRPC on")]
    private static partial Regex ServingLine();
}
