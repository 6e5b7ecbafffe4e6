extern alias nymapi;
using nymapi::Nym.Topology;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>Command line over environment over defaults, and the one-line errors for bad values.</summary>
public sealed class OptionsTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public void Defaults_apply_when_nothing_is_given()
    {
        var options = Resolve(null, null, null, null, null, new() { ["NYM_HOME"] = "/srv/nym" });

        Assert.Equal(8080, options.HttpPort);
        Assert.Equal(8081, options.GrpcPort);
        Assert.Equal("127.0.0.1", options.Bind.ToString());
        Assert.Equal("/srv/nym/nym-api", options.DataDirectory);
        Assert.Equal(TimeSpan.FromSeconds(90), options.AnnounceTtl);
    }

    [Fact]
    public void The_environment_overrides_defaults_and_the_command_line_overrides_both()
    {
        var environment = new Dictionary<string, string?>
        {
            ["NYM_HTTP_PORT"] = "9080", ["NYM_GRPC_PORT"] = "9081", ["NYM_BIND"] = "0.0.0.0",
            ["NYM_DATA_DIR"] = "/var/lib/topology", ["NYM_ANNOUNCE_TTL"] = "2m",
        };

        var fromEnvironment = Resolve(null, null, null, null, null, environment);
        Assert.Equal((9080, 9081, "0.0.0.0", "/var/lib/topology", TimeSpan.FromMinutes(2)),
            (fromEnvironment.HttpPort, fromEnvironment.GrpcPort, fromEnvironment.Bind.ToString(), fromEnvironment.DataDirectory, fromEnvironment.AnnounceTtl));

        var fromCommandLine = Resolve("1", "2", "::1", "/tmp/t", "1500ms", environment);
        Assert.Equal((1, 2, "::1", "/tmp/t", TimeSpan.FromMilliseconds(1500)),
            (fromCommandLine.HttpPort, fromCommandLine.GrpcPort, fromCommandLine.Bind.ToString(), fromCommandLine.DataDirectory, fromCommandLine.AnnounceTtl));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("90", 90)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("1500ms", 1.5)]
    public void Durations_take_a_unit(string text, double seconds)
    {
        Assert.True(TopologyOptions.TryDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("65536", null, null, null, "--http-port (or NYM_HTTP_PORT) must be a port number")]
    [InlineData("-1", null, null, null, "--http-port")]
    [InlineData(null, "http", null, null, "--grpc-port (or NYM_GRPC_PORT) must be a port number")]
    [InlineData("7000", "7000", null, null, "need a port each")]
    [InlineData(null, null, "my-host", null, "--bind (or NYM_BIND) must be an IP address")]
    [InlineData(null, null, null, "ninety", "--announce-ttl (or NYM_ANNOUNCE_TTL) must be a duration")]
    [InlineData(null, null, null, "-5s", "must be a duration")]
    [InlineData(null, null, null, "0s", "between 1s and 24h")]
    [InlineData(null, null, null, "2d", "must be a duration")]
    [InlineData(null, null, null, "25h", "between 1s and 24h")]
    public void A_bad_value_gets_an_error_naming_the_option(string? httpPort, string? grpcPort, string? bind, string? ttl, string says)
    {
        Assert.False(TopologyOptions.TryResolve(httpPort, grpcPort, bind, null, ttl, NoEnvironment.GetValueOrDefault, out _, out var error));
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void A_bad_environment_value_is_an_error_too()
    {
        var environment = new Dictionary<string, string?> { ["NYM_GRPC_PORT"] = "99999" };
        Assert.False(TopologyOptions.TryResolve(null, null, null, null, null, environment.GetValueOrDefault, out _, out var error));
        Assert.Contains("NYM_GRPC_PORT", error, StringComparison.Ordinal);
    }

    private static TopologyOptions Resolve(
        string? httpPort, string? grpcPort, string? bind, string? dataDirectory, string? ttl, Dictionary<string, string?> environment)
    {
        Assert.True(TopologyOptions.TryResolve(httpPort, grpcPort, bind, dataDirectory, ttl, environment.GetValueOrDefault, out var options, out var error), error);
        return options!;
    }
}
