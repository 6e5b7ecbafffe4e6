using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Nym.Protocol.Topology;
using Xunit;

namespace NymAspire.Tests;

/// <summary>
/// The real AppHost, started as a whole: every resource healthy, the network listed by nym-api, and an app that
/// connects to alice on ws://127.0.0.1:1977 exchanging messages through the local mixnet, as a newcomer would.
/// </summary>
public sealed class NetworkTests : IDisposable
{
    private static readonly string[] Resources = ["nym-api", "keystore", "mix-1-1", "mix-2-1", "mix-3-1", "gateway-1", "crypto", "alice"];
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly string _home = Directory.CreateTempSubdirectory("nymaspire-app-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task The_apphost_starts_a_mixnet_whose_client_alice_carries_an_apps_messages()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.NymAspire_AppHost>([$"--Network:Home={_home}"], cancellationToken);
        await using var app = await appHost.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken).WaitAsync(Patience, cancellationToken);

        foreach (var resource in Resources)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken).WaitAsync(Patience, cancellationToken);
        }

        await AssertNymApiListsTheNetworkAsync(cancellationToken);

        // The doc's flow (websocket-client-doc.md): ask alice for her address, send to it with a reply SURB, get the
        // message back through the mixnet, reply through the SURB, get the reply.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri("ws://127.0.0.1:1977"), cancellationToken);
        var self = await RequestAsync(socket, new JsonObject { ["type"] = "selfAddress" }, cancellationToken);
        Assert.Equal("selfAddress", (string?)self["type"]);
        string address = (string)self["address"]!;
        Assert.Matches(@"^[1-9A-HJ-NP-Za-km-z]+\.[1-9A-HJ-NP-Za-km-z]+@[1-9A-HJ-NP-Za-km-z]+$", address);

        var received = await RequestAsync(
            socket,
            new JsonObject { ["type"] = "send", ["message"] = "Hello Nym!", ["recipient"] = address, ["withReplySurb"] = true },
            cancellationToken);
        Assert.Equal("received", (string?)received["type"]);
        Assert.Equal("Hello Nym!", (string?)received["message"]);
        string replySurb = (string)received["replySurb"]!;

        var reply = await RequestAsync(
            socket, new JsonObject { ["type"] = "reply", ["message"] = "hello from reply SURB!", ["replySurb"] = replySurb }, cancellationToken);
        Assert.Equal("received", (string?)reply["type"]);
        Assert.Equal("hello from reply SURB!", (string?)reply["message"]);
        Assert.Null(reply["replySurb"]);
    }

    private static async Task AssertNymApiListsTheNetworkAsync(CancellationToken cancellationToken)
    {
        // The Topology service is on its fixed port; nodes register as soon as they start.
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8080") };
        IReadOnlyList<MixNodeBond> mixNodes = [];
        IReadOnlyList<GatewayBond> gateways = [];
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline; await Task.Delay(500, cancellationToken))
        {
            Assert.True(TopologyJson.TryParseMixNodes(await http.GetByteArrayAsync("/v1/mixnodes/active", cancellationToken), out mixNodes, out var error), error);
            Assert.True(TopologyJson.TryParseGateways(await http.GetByteArrayAsync("/v1/gateways", cancellationToken), out gateways, out error), error);
            if (mixNodes.Count == 3 && gateways.Count == 1)
            {
                break;
            }
        }

        Assert.Equal([1, 2, 3], mixNodes.Select(m => m.Layer).Order());
        Assert.Single(gateways);
        Assert.True(NymTopology.TryBuild(mixNodes, gateways, "1.0.1", null, out _, out var reason), reason);
    }

    /// <summary>Sends a text request and returns the next text frame (a send or reply has no response of its own:
    /// the next frame is the message delivered through the mixnet, nym-client-api.md §8).</summary>
    private static async Task<JsonNode> RequestAsync(ClientWebSocket socket, JsonObject request, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        using var frame = new MemoryStream();
        var buffer = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
            frame.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return JsonNode.Parse(frame.ToArray())!;
    }
}
