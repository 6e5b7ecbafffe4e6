using Microsoft.Extensions.Hosting;
using Nym.Client.Config;
using Nym.Protocol.Addressing;
using Nym.Protocol.Keys;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// nym-client with the shared services, as the AppHost deploys it (DESIGN.md "Standalone mode", deployment contract):
/// real nym-keystore and nym-crypto processes, the crypto watching the test network's nym-api over gRPC, and the
/// client given their URLs and the service token.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class SharedServicesTests(Network network) : IDisposable
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _clientHome = new("nym-client-shared-");
    private readonly TempDirectory _keyStoreHome = new("nym-keystore-shared-");

    public void Dispose()
    {
        _clientHome.Dispose();
        _keyStoreHome.Dispose();
    }

    [Fact]
    public async Task Init_and_run_against_keystore_and_crypto_processes_keep_the_keys_there_and_send_through_them()
    {
        string token = ServiceToken.Generate();
        await using var keyStore = await ServiceExeProcess.StartAsync("nym-keystore", new Dictionary<string, string> { ["NYM_SERVICE_TOKEN"] = token },
            "--home", _keyStoreHome.Path, "--http-port", "0", "--grpc-port", "0");
        await using var crypto = await ServiceExeProcess.StartAsync("nym-crypto", new Dictionary<string, string>
            {
                ["NYM_SERVICE_TOKEN"] = token,
                // Test only: the request lines name each gRPC method called, which shows that the client's calls came here.
                ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            },
            "--keystore", keyStore.Grpc.ToString(), "--topology", network.Topology.GrpcUri.ToString(), "--http-port", "0", "--grpc-port", "0");
        await WaitHealthyAsync(crypto);

        // init with the environment the AppHost gives; it writes the URLs into [services] for later runs.
        var init = await ClientProcess.RunToEndAsync(_clientHome.Path, new Dictionary<string, string>
        {
            ["NYM_VALIDATORS"] = network.Topology.HttpUri.ToString(),
            ["NYM_KEYSTORE"] = keyStore.Grpc.ToString(),
            ["NYM_CRYPTO"] = crypto.Grpc.ToString(),
            ["NYM_SERVICE_TOKEN"] = token,
        }, "init", "--id", "carol", "--fastmode");
        Assert.True(init.ExitCode == 0, init.Error);

        var clientPaths = new ClientPaths(_clientHome.Path, "carol");
        var keyStorePaths = new ClientPaths(_keyStoreHome.Path, "carol");
        Assert.True(ClientConfigFile.TryLoad(clientPaths.ConfigFile, out var config, out var configError), configError);
        Assert.Equal(keyStore.Grpc.ToString().TrimEnd('/'), config!.KeyStoreUrl.TrimEnd('/'));
        Assert.Equal(crypto.Grpc.ToString().TrimEnd('/'), config.CryptoUrl.TrimEnd('/'));
        Assert.True(File.Exists(keyStorePaths.Data("private_identity.pem")), "the KeyStore holds the client's identity key");
        Assert.True(File.Exists(keyStorePaths.Data("gateway_shared.pem")), "the KeyStore holds the gateway shared keys");
        Assert.Empty(Directory.Exists(clientPaths.DataDirectory) ? Directory.GetFiles(clientPaths.DataDirectory, "*.pem") : []);

        // run with only [services] from config.toml and the token from a file (--token-file).
        string tokenFile = Path.Combine(_clientHome.Path, "service-token");
        await File.WriteAllTextAsync(tokenFile, token + "\n", TestContext.Current.CancellationToken);
        int port = Ports.Free();
        var (client, printed) = await ClientProcess.RunAsync(_clientHome.Path, new Dictionary<string, string> { ["NYM_VALIDATORS"] = network.Topology.HttpUri.ToString() },
            "--id", "carol", "--port", $"{port}", "--token-file", tokenFile);
        await using (client)
        {
            Assert.True(Recipient.TryParse(printed, out var recipient, out _));
            Assert.True(PemFile.TryRead(keyStorePaths.Data("public_identity.pem"), "ED25519 PUBLIC KEY", 32, out var identity, out var pemError), pemError);
            Assert.Equal(identity, recipient!.Identity.ToArray());

            await using var app = await AppSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}"));
            Assert.Equal(printed, await app.SelfAddressAsync());
            await app.SendTextAsync($$"""{"type":"send","message":"through the shared services","recipient":"{{printed}}","withReplySurb":true}""");
            var received = await app.ReceiveJsonAsync(Delivery);
            Assert.Equal("through the shared services", (string?)received["message"]);

            await app.SendTextAsync($$"""{"type":"reply","message":"and back","replySurb":"{{(string)received["replySurb"]!}}"}""");
            var reply = await app.ReceiveJsonAsync(Delivery);
            Assert.Equal("and back", (string?)reply["message"]);
            Assert.Null(reply["replySurb"]);

            Assert.True(0 == await client.StopAsync(), client.Output);
        }

        foreach (var method in new[] { "PrepareMessage", "PrepareReply", "OpenPayloads" })
        {
            Assert.Contains($"/nym.crypto.v1.CryptoService/{method}", crypto.Output, StringComparison.Ordinal);
        }

        Assert.Equal(0, await crypto.StopAsync());
        Assert.Equal(0, await keyStore.StopAsync());
    }

    /// <summary>Healthy (not Degraded) once the crypto service has a topology from nym-api to route with.</summary>
    private static async Task WaitHealthyAsync(ServiceExeProcess crypto)
    {
        using var http = new HttpClient { BaseAddress = crypto.Http, Timeout = TimeSpan.FromSeconds(5) };
        string health = "";
        await Eventually.TrueAsync(async () =>
        {
            health = await http.GetStringAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
            return health == "Healthy";
        }, "nym-crypto to have the topology", TimeSpan.FromSeconds(60));
    }
}
