using System.Net;
using System.Net.Sockets;
using Nym.Client.Config;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>nym-client's errors as a person meets them: one clear line on stderr, a non-zero exit, nothing half-written.</summary>
[Collection(nameof(NetworkCollection))]
public sealed class CliErrorTests(Network network) : IDisposable
{
    private readonly TempDirectory _home = new("nym-client-cli-");

    private Dictionary<string, string> Environment => new() { ["NYM_VALIDATORS"] = network.Topology.HttpUri.ToString() };

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Help_and_version_exit_zero()
    {
        var help = await ClientProcess.RunToEndAsync(_home.Path, null, "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var word in new[] { "init", "run", "upgrade" })
        {
            Assert.Contains(word, help.Output, StringComparison.Ordinal);
        }

        var runHelp = await ClientProcess.RunToEndAsync(_home.Path, null, "run", "--help");
        Assert.Contains("--init-if-missing", runHelp.Output, StringComparison.Ordinal);
        Assert.Contains("default: 1977", runHelp.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await ClientProcess.RunToEndAsync(_home.Path, null, "--version")).ExitCode);
    }

    [Fact]
    public async Task Run_before_init_says_to_init()
    {
        var (exitCode, _, error) = await ClientProcess.RunToEndAsync(_home.Path, null, "run", "--id", "nobody");

        Assert.Equal(1, exitCode);
        Assert.Contains("run `nym-client init --id nobody` first", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_nym_api_is_named_with_the_apphost_hint_and_no_config_is_written()
    {
        var (exitCode, _, error) = await ClientProcess.RunToEndAsync(_home.Path, null, "init", "--id", "lost", "--validators", "http://127.0.0.1:1");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(Lines(error), l => l.StartsWith("nym-client:", StringComparison.Ordinal));
        Assert.Contains("http://127.0.0.1:1/", line, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project NymAspire.AppHost", line, StringComparison.Ordinal);
        Assert.False(File.Exists(new ClientPaths(_home.Path, "lost").ConfigFile));
    }

    [Fact]
    public async Task An_unknown_gateway_is_refused()
    {
        var (exitCode, _, error) = await ClientProcess.RunToEndAsync(_home.Path, Environment,
            "init", "--id", "picky", "--gateway", "4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

        Assert.Equal(1, exitCode);
        Assert.Contains("4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f", error, StringComparison.Ordinal);
        Assert.False(File.Exists(new ClientPaths(_home.Path, "picky").ConfigFile));
    }

    [Fact]
    public async Task A_corrupt_config_and_a_port_in_use_are_named()
    {
        Assert.Equal(0, (await ClientProcess.RunToEndAsync(_home.Path, Environment, "init", "--id", "carol")).ExitCode);
        var paths = new ClientPaths(_home.Path, "carol");

        using (var taken = new TcpListener(IPAddress.Loopback, 0))
        {
            taken.Start();
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var busy = await ClientProcess.RunToEndAsync(_home.Path, Environment, "run", "--id", "carol", "--port", $"{port}");
            Assert.Equal(1, busy.ExitCode);
            Assert.Contains($"127.0.0.1:{port}", Assert.Single(Lines(busy.Error)), StringComparison.Ordinal);
        }

        var upgrade = await ClientProcess.RunToEndAsync(_home.Path, null, "upgrade", "--id", "carol");
        Assert.Equal(0, upgrade.ExitCode);
        Assert.Contains("nothing to upgrade", upgrade.Output, StringComparison.Ordinal);

        await File.AppendAllTextAsync(paths.ConfigFile, "\n[mystery]\nkey = 1\n", TestContext.Current.CancellationToken);
        var corrupt = await ClientProcess.RunToEndAsync(_home.Path, Environment, "run", "--id", "carol");
        Assert.Equal(1, corrupt.ExitCode);
        var line = Assert.Single(Lines(corrupt.Error));
        Assert.Contains(paths.ConfigFile, line, StringComparison.Ordinal);
        Assert.Contains("mystery", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("topology_refresh_rate = '0s'", "topology_refresh_rate")]
    [InlineData("gateway_response_timeout = '21350000d'", "gateway_response_timeout")]
    public async Task A_debug_duration_out_of_range_is_one_line_naming_the_file_the_key_and_the_range(string setting, string key)
    {
        Assert.Equal(0, (await ClientProcess.RunToEndAsync(_home.Path, Environment, "init", "--id", "dan")).ExitCode);
        var paths = new ClientPaths(_home.Path, "dan");
        var lines = (await File.ReadAllLinesAsync(paths.ConfigFile, TestContext.Current.CancellationToken))
            .Select(l => l.StartsWith(key + " =", StringComparison.Ordinal) ? setting : l);
        await File.WriteAllLinesAsync(paths.ConfigFile, lines, TestContext.Current.CancellationToken);

        var run = await ClientProcess.RunToEndAsync(_home.Path, Environment, "run", "--id", "dan");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(Lines(run.Error));
        Assert.Contains(paths.ConfigFile, line, StringComparison.Ordinal);
        Assert.Contains($"[debug] {key} must be", line, StringComparison.Ordinal);
        Assert.Contains("above 0s and at most 1d", line, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
