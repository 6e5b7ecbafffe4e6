using System.Net;
using Xunit;

namespace Nym.Crypto.Tests;

public sealed class OptionsTests
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["NYM_HTTP_PORT"] = "9001", ["NYM_GRPC_PORT"] = "9002", ["NYM_BIND"] = "0.0.0.0",
        ["NYM_KEYSTORE"] = "http://keystore:8083", ["NYM_TOPOLOGY"] = "http://nym-api:8081", ["NYM_SERVICE_TOKEN"] = CryptoHost.Token,
    };

    [Fact]
    public void The_command_line_wins_over_the_environment()
    {
        Assert.True(CryptoHostOptions.TryResolve("1", "2", "::1", "http://k:1", "http://t:2", null, Environment.GetValueOrDefault, out var options, out var error), error);

        Assert.Equal((1, 2, IPAddress.IPv6Loopback), (options!.HttpPort, options.GrpcPort, options.Bind));
        Assert.Equal(new Uri("http://k:1"), options.Service.KeyStoreUrl);
        Assert.Equal(new Uri("http://t:2"), options.Service.TopologyUrl);
    }

    [Fact]
    public void The_environment_wins_over_the_defaults()
    {
        Assert.True(CryptoHostOptions.TryResolve(null, null, null, null, null, null, Environment.GetValueOrDefault, out var options, out var error), error);

        Assert.Equal((9001, 9002, IPAddress.Any), (options!.HttpPort, options.GrpcPort, options.Bind));
        Assert.Equal(new Uri("http://keystore:8083"), options.Service.KeyStoreUrl);
        Assert.Equal(new Uri("http://nym-api:8081"), options.Service.TopologyUrl);
        Assert.Equal(CryptoHost.Token, options.Service.ServiceToken);
    }

    [Fact]
    public void The_defaults_are_the_deployment_contracts()
    {
        var onlyToken = new Dictionary<string, string> { ["NYM_SERVICE_TOKEN"] = CryptoHost.Token };
        Assert.True(CryptoHostOptions.TryResolve(null, null, null, null, null, null, onlyToken.GetValueOrDefault, out var options, out var error), error);

        Assert.Equal((8084, 8085, IPAddress.Loopback), (options!.HttpPort, options.GrpcPort, options.Bind));
        Assert.Equal(new Uri("http://127.0.0.1:8083"), options.Service.KeyStoreUrl);
        Assert.Equal(new Uri("http://127.0.0.1:8081"), options.Service.TopologyUrl);
    }

    [Theory]
    [InlineData("70000", null, null, "--http-port (or NYM_HTTP_PORT)")]
    [InlineData("5", "5", null, "both 5")]
    [InlineData(null, null, "localhost", "--bind (or NYM_BIND)")]
    public void Bad_values_are_one_line_naming_the_option(string? http, string? grpc, string? bind, string expected)
    {
        Assert.False(CryptoHostOptions.TryResolve(http, grpc, bind, null, null, null, Environment.GetValueOrDefault, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
