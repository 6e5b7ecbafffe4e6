extern alias keystore;
using Microsoft.Extensions.DependencyInjection;
using keystore::Nym.KeyStore;
using Xunit;

namespace Nym.KeyStore.Tests;

public sealed class OptionsTests
{
    private const string Token = KeyStoreHost.Token;

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void The_command_line_wins_over_the_environment_which_wins_over_the_defaults()
    {
        var environment = Environment(("NYM_HOME", "/srv/nym"), ("NYM_HTTP_PORT", "9001"), ("NYM_SERVICE_TOKEN", Token));

        Assert.True(KeyStoreHostOptions.TryResolve(null, null, "9100", null, null, environment, out var options, out var error), error);

        Assert.Equal("/srv/nym", options!.KeyStore.Home);
        Assert.Equal(9001, options.HttpPort);
        Assert.Equal(9100, options.GrpcPort);
        Assert.Equal("127.0.0.1", options.Bind.ToString());
        Assert.Equal(Token, options.KeyStore.ServiceToken);

        Assert.True(KeyStoreHostOptions.TryResolve("/elsewhere", null, null, "0.0.0.0", null, environment, out options, out error), error);
        Assert.Equal("/elsewhere", options!.KeyStore.Home);
        Assert.Equal(8083, options.GrpcPort);
        Assert.Equal("0.0.0.0", options.Bind.ToString());
    }

    [Fact]
    public void The_token_file_wins_over_the_environment()
    {
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "token");
        File.WriteAllText(file, "from-the-file-0123456789\n");

        Assert.True(KeyStoreHostOptions.TryResolve("/h", null, null, null, file, Environment(("NYM_SERVICE_TOKEN", Token)), out var options, out var error), error);

        Assert.Equal("from-the-file-0123456789", options!.KeyStore.ServiceToken);
    }

    [Theory]
    [InlineData("70000", null, null, "--http-port")]
    [InlineData(null, "x", null, "--grpc-port")]
    [InlineData("9000", "9000", null, "both 9000")]
    [InlineData(null, null, "localhost", "--bind")]
    public void Bad_values_say_which_option(string? http, string? grpc, string? bind, string expected)
    {
        Assert.False(KeyStoreHostOptions.TryResolve("/h", http, grpc, bind, null, Environment(("NYM_SERVICE_TOKEN", Token)), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "NYM_SERVICE_TOKEN")]
    [InlineData("short", "at least 16")]
    public void No_usable_token_is_an_error(string? token, string expected)
    {
        var environment = token is null ? Environment() : Environment(("NYM_SERVICE_TOKEN", token));

        Assert.False(KeyStoreHostOptions.TryResolve("/h", null, null, null, null, environment, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relative/home", Token, 1, 1, "Home")]
    [InlineData("/home", "short", 1, 1, "ServiceToken")]
    [InlineData("/home", " " + Token, 1, 1, "ServiceToken")]
    [InlineData("/home", Token, 0, 1, "MaxReplyKeysPerClient")]
    [InlineData("/home", Token, 1, 0, "MaxTakenReplyDigestsPerClient")]
    public void AddKeyStore_validates_its_options(string home, string token, int maxReplyKeys, int maxTakenDigests, string parameter)
    {
        var options = new KeyStoreOptions(home, token) { MaxReplyKeysPerClient = maxReplyKeys, MaxTakenReplyDigestsPerClient = maxTakenDigests };

        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddKeyStore(options));

        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void The_options_never_print_the_token()
    {
        var options = new KeyStoreOptions("/home", Token);

        Assert.DoesNotContain(Token, options.ToString(), StringComparison.Ordinal);
        Assert.Contains("/home", options.ToString(), StringComparison.Ordinal);
    }
}
