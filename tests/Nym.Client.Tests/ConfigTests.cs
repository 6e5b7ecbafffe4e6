using Nym.Client.Config;
using Xunit;

namespace Nym.Client.Tests;

public sealed class ConfigTests
{
    private static ClientConfig Sample() => ClientConfig.Create("alice", new ClientPaths("/home/u/.nym", "alice")) with
    {
        ValidatorApiUrls = [new Uri("http://127.0.0.1:8080"), new Uri("http://10.0.0.2:8080/api")],
        GatewayId = "4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f",
        GatewayListener = "ws://127.0.0.1:9000",
        ListeningPort = 1980,
        Host = "0.0.0.0",
        KeyStoreUrl = "http://127.0.0.1:8083",
        CryptoUrl = "http://127.0.0.1:8085",
        Debug = DebugSettings.FastMode with { AckWaitAddition = TimeSpan.FromMilliseconds(1500), AckWaitMultiplier = 2.25 },
    };

    [Fact]
    public void A_rendered_config_parses_back_to_the_same_values()
    {
        var config = Sample();

        Assert.True(ClientConfigFile.TryParse(ClientConfigFile.Render(config), out var parsed, out var error), error);

        Assert.Equal(config with { ValidatorApiUrls = [] }, parsed! with { ValidatorApiUrls = [] });
        Assert.Equal(config.ValidatorApiUrls, parsed.ValidatorApiUrls);
    }

    [Fact]
    public void The_template_writes_nyms_sections_keys_and_durations()
    {
        var text = ClientConfigFile.Render(ClientConfig.Create("alice", new ClientPaths("/home/u/.nym", "alice")));

        foreach (var line in new[]
        {
            "[client]", "version = '1.0.1'", "id = 'alice'", "disabled_credentials_mode = true", "[client.gateway_endpoint]",
            "private_identity_key_file = '/home/u/.nym/clients/alice/data/private_identity.pem'",
            "nym_root_directory = '/home/u/.nym/clients'", "[socket]", "socket_type = 'WebSocket'", "listening_port = 1977",
            "[logging]", "[debug]", "average_packet_delay = '50ms'", "loop_cover_traffic_average_delay = '200ms'",
            "ack_wait_addition = '1s 500ms'", "gateway_response_timeout = '5m'", "ack_wait_multiplier = 1.5",
        })
        {
            Assert.Contains(line + "\n", text, StringComparison.Ordinal);
        }

        Assert.Contains("validator_api_urls = [\n    'http://127.0.0.1:8080/',\n]", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("50ms", 50)]
    [InlineData("1s 500ms", 1500)]
    [InlineData("5m", 300_000)]
    [InlineData("33m 20s", 2_000_000)]
    [InlineData("1s500ms", 1500)]
    [InlineData("2sec", 2000)]
    public void Durations_parse_as_humantime(string text, int milliseconds)
    {
        Assert.True(HumanDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
        Assert.True(HumanDuration.TryParse(HumanDuration.Format(duration), out var again));
        Assert.Equal(duration, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("50")]
    [InlineData("ms")]
    [InlineData("5 parsecs")]
    [InlineData("-5s")]
    [InlineData("21350000d")]
    [InlineData("999999999999d")]
    [InlineData("366d")]
    public void Bad_durations_are_refused(string text) => Assert.False(HumanDuration.TryParse(text, out _));

    [Theory]
    [InlineData("[client]\nversion", "not valid TOML")]
    [InlineData("[surprise]\n", "unknown field `surprise`")]
    [InlineData("[socket]\nport = 1\n", "[socket] has an unknown field `port`")]
    [InlineData("[debug]\naverage_packet_delay = 50\n", "[debug] average_packet_delay must be a duration")]
    [InlineData("[debug]\ntopology_refresh_rate = '0s'\n", "[debug] topology_refresh_rate must be above 0s and at most 1d, not '0s'")]
    [InlineData("[debug]\nmessage_sending_average_delay = '10ns'\n", "[debug] message_sending_average_delay must be above 0s and at most 1d")]
    [InlineData("[debug]\ngateway_response_timeout = '21350000d'\n", "[debug] gateway_response_timeout must be a duration above 0s and at most 1d")]
    [InlineData("[debug]\nack_wait_addition = '2d'\n", "[debug] ack_wait_addition must be from 0s to 1d, not '2d'")]
    [InlineData("[socket]\nlistening_port = 70000\n", "[socket] listening_port must be a port number")]
    [InlineData("[socket]\nsocket_type = 'websocket'\n", "socket_type must be 'WebSocket' or 'None'")]
    public void A_bad_config_is_refused_with_what_is_wrong(string change, string expected)
    {
        var text = change.StartsWith("[client]\nversion", StringComparison.Ordinal)
            ? change
            : Apply(ClientConfigFile.Render(Sample()), change);

        Assert.False(ClientConfigFile.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_debug_section_and_services_are_optional()
    {
        var text = ClientConfigFile.Render(Sample());
        text = text[..text.IndexOf("[debug]", StringComparison.Ordinal)];

        Assert.True(ClientConfigFile.TryParse(text, out var parsed, out var error), error);
        Assert.Equal(DebugSettings.Default, parsed!.Debug);
        Assert.Equal("", parsed.KeyStoreUrl);
    }

    [Fact]
    public void Saving_is_owner_only_and_names_the_file_when_it_is_damaged()
    {
        using var home = new Nym.TestNetwork.TempDirectory("nym-client-config-");
        var path = Path.Combine(home.Path, "config", "config.toml");
        ClientConfigFile.Save(Sample(), path);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.True(ClientConfigFile.TryLoad(path, out var loaded, out var error), error);
        Assert.Equal("alice", loaded!.Id);

        File.WriteAllText(path, "[client\n");
        Assert.False(ClientConfigFile.TryLoad(path, out _, out error));
        Assert.StartsWith(path + ": not valid TOML", error, StringComparison.Ordinal);
    }

    /// <summary>Puts the lines of <paramref name="change"/> into the table its first line names (replacing same-named keys).</summary>
    private static string Apply(string text, string change)
    {
        var lines = change.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!text.Contains(lines[0] + "\n", StringComparison.Ordinal))
        {
            return text + change;
        }

        foreach (var line in lines.Skip(1))
        {
            var key = line.Split('=')[0].Trim();
            var existing = text.Split('\n').FirstOrDefault(l => l.StartsWith(key + " =", StringComparison.Ordinal));
            text = existing is null
                ? text.Replace(lines[0] + "\n", lines[0] + "\n" + line + "\n", StringComparison.Ordinal)
                : text.Replace(existing, line, StringComparison.Ordinal);
        }

        return text;
    }
}
