using System.Text;
using Nym.Client.Config;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>
/// nym-client as a real process over the real small mixnet (nym-api process, three mix nodes, a gateway), in
/// standalone mode: the doc's init and run, then the doc's text flow (websocket-client-doc.md, nym-client-api.md §8).
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class EndToEndTests(Network network) : IDisposable
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _home = new("nym-client-e2e-");

    private Dictionary<string, string> Environment => new() { ["NYM_VALIDATORS"] = network.Topology.HttpUri.ToString() };

    public void Dispose() => _home.Dispose();

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Init_writes_nyms_files_and_prints_the_docs_lines_and_a_second_init_keeps_keys_and_gateway()
    {
        var (exitCode, output, error) = await ClientProcess.RunToEndAsync(_home.Path, Environment, "init", "--id", "alice");

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var paths = new ClientPaths(_home.Path, "alice");
        Assert.Equal("Initialising client...", lines[0]);
        Assert.Contains("Saved all generated keys", lines);
        Assert.Contains($"Saved configuration file to \"{paths.ConfigFile}\"", lines);
        Assert.Contains($"Using gateway: {network.GatewayKeys.Identity.PublicKeyBase58}", lines);
        Assert.Contains("Client configuration completed.", lines);
        var address = Assert.Single(lines, l => l.StartsWith("The address of this client is: ", StringComparison.Ordinal))["The address of this client is: ".Length..];
        Assert.EndsWith("@" + network.GatewayKeys.Identity.PublicKeyBase58, address, StringComparison.Ordinal);

        Assert.True(ClientConfigFile.TryLoad(paths.ConfigFile, out var config, out var configError), configError);
        Assert.Equal(network.GatewayKeys.Identity.PublicKeyBase58, config!.GatewayId);
        Assert.Equal(network.ClientsUri.ToString().TrimEnd('/'), config.GatewayListener.TrimEnd('/'));
        foreach (var (file, tag) in new[]
        {
            ("private_identity.pem", "ED25519 PRIVATE KEY"), ("public_identity.pem", "ED25519 PUBLIC KEY"),
            ("private_encryption.pem", "X25519 PRIVATE KEY"), ("public_encryption.pem", "X25519 PUBLIC KEY"),
            ("ack_key.pem", "AES-128-CTR ACKNOWLEDGEMENTS KEY"), ("gateway_shared.pem", "AES-128-CTR + HMAC-BLAKE3 GATEWAY SHARED KEYS"),
        })
        {
            Assert.StartsWith($"-----BEGIN {tag}-----", File.ReadAllText(paths.Data(file)), StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(paths.Data(file)));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(paths.ConfigFile));
        var identity = File.ReadAllText(paths.Data("private_identity.pem"));

        var again = await ClientProcess.RunToEndAsync(_home.Path, Environment, "init", "--id", "alice");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("Client \"alice\" was already initialised before!", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Saved all generated keys", again.Output, StringComparison.Ordinal);
        Assert.Contains($"The address of this client is: {address}", again.Output, StringComparison.Ordinal);
        Assert.Equal(identity, File.ReadAllText(paths.Data("private_identity.pem")));
    }

    [Fact]
    public async Task The_docs_text_flow_send_to_self_with_a_reply_surb_then_reply_then_sigterm()
    {
        Assert.Equal(0, (await ClientProcess.RunToEndAsync(_home.Path, Environment, "init", "--id", "bob", "--fastmode")).ExitCode);
        int port = Ports.Free();
        var (client, printed) = await ClientProcess.RunAsync(_home.Path, Environment, "--id", "bob", "--port", $"{port}");
        await using (client)
        {
            await using var app = await AppSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}"));
            var address = await app.SelfAddressAsync();
            Assert.Equal(printed, address);

            await app.SendTextAsync($$"""{"type":"send","message":"Hello Nym!","recipient":"{{address}}","withReplySurb":true}""");
            var received = await app.ReceiveJsonAsync(Delivery);
            Assert.Equal("received", (string?)received["type"]);
            Assert.Equal("Hello Nym!", (string?)received["message"]);

            await app.SendTextAsync($$"""{"type":"reply","message":"hello from reply SURB!","replySurb":"{{(string)received["replySurb"]!}}"}""");
            var reply = await app.ReceiveJsonAsync(Delivery);
            Assert.Equal("hello from reply SURB!", (string?)reply["message"]);
            Assert.Null(reply["replySurb"]);

            var big = new byte[1 << 20];
            Random.Shared.NextBytes(big);
            Assert.True(Nym.Protocol.Addressing.Recipient.TryParse(address, out var self, out _));
            await app.SendAsync(Nym.Protocol.WebSocketApi.BinaryApiCodec.Encode(new Nym.Protocol.WebSocketApi.SendRequest(self, big, withReplySurb: false)),
                System.Net.WebSockets.WebSocketMessageType.Binary);
            var whole = Assert.IsType<Nym.Protocol.WebSocketApi.ReceivedResponse>(await app.ReceiveBinaryAsync(TimeSpan.FromMinutes(3)));
            Assert.Equal(big, whole.Message);

            int exitCode = await client.StopAsync();
            Assert.True(exitCode == 0, $"exit code {exitCode}\n{client.Output}");
        }
    }
}
