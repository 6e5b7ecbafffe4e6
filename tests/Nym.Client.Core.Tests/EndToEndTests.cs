using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Nym.Protocol.Addressing;
using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>
/// init, then run, over a real nym-api process, real mix nodes and a real gateway, with the real KeyStore and crypto
/// service in-process: messages to self with and without a reply SURB, replies, two clients, 1 MiB, a gateway restart.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class EndToEndTests(Network network)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Short hops and a quick main stream; the separate cover stream off to spare the loaded test machine.</summary>
    private static readonly TrafficOptions Fast = TrafficOptions.Default with
    {
        AveragePacketDelay = TimeSpan.FromMilliseconds(1),
        AverageAckDelay = TimeSpan.FromMilliseconds(1),
        MessageSendingAverageDelay = TimeSpan.FromMilliseconds(5),
        DisableLoopCoverTraffic = true,
    };

    private IReadOnlyList<Uri> Validators => [network.Topology.HttpUri];

    private async Task<(InitResult Init, MixnetClient Client)> InitAndStartAsync(ClientServicesHost host, string id, TrafficOptions? options = null)
    {
        var init = await ClientInitialisation.InitAsync(id, null, Validators, host.Services, NullLogger.Instance, TestContext.Current.CancellationToken);
        var client = await MixnetClient.StartAsync(id, init.Gateway, host.Services, options ?? Fast, TimeProvider.System, NullLoggerFactory.Instance,
            TestContext.Current.CancellationToken);
        return (init, client);
    }

    private static Recipient Parse(string address)
    {
        Assert.True(Recipient.TryParse(address, out var recipient, out var error), error?.ToString());
        return recipient;
    }

    private static async Task<ReceivedMessage> NextAsync(MixnetClient client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        return await client.Received.ReadAsync(timeout.Token);
    }

    [Fact]
    public async Task InitThenSendToSelfWithAndWithoutReplySurbThenReply()
    {
        await using var host = await ClientServicesHost.StartAsync(network);
        var (init, client) = await InitAndStartAsync(host, "alice");
        await using (client)
        {
            Assert.True(init.KeysCreated);
            Assert.False(init.GatewayReused);
            Assert.Equal(network.ClientsUri.ToString().TrimEnd('/'), init.Gateway.GatewayListener);
            Assert.Equal(init.Address, client.Address);
            var self = Parse(client.Address);
            Assert.Equal(network.GatewayKeys.Identity.PublicKey, self.Gateway);

            await client.SendAsync(self, "no surb"u8.ToArray(), withReplySurb: false, TestContext.Current.CancellationToken);
            var plain = await NextAsync(client);
            Assert.Equal("no surb"u8.ToArray(), plain.Message.ToArray());
            Assert.Null(plain.ReplySurb);

            await client.SendAsync(self, "answer me"u8.ToArray(), withReplySurb: true, TestContext.Current.CancellationToken);
            var withSurb = await NextAsync(client);
            Assert.Equal("answer me"u8.ToArray(), withSurb.Message.ToArray());
            Assert.NotNull(withSurb.ReplySurb);

            await client.SendReplyAsync(withSurb.ReplySurb, "the answer"u8.ToArray(), TestContext.Current.CancellationToken);
            var reply = await NextAsync(client);
            Assert.Equal("the answer"u8.ToArray(), reply.Message.ToArray());
            Assert.Null(reply.ReplySurb);

            // Every fragment was acknowledged: nothing waits for retransmission.
            await Eventually.TrueAsync(() => client.PendingAckCount == 0, "the acks of every fragment", Patience);

            // A cancelled send is an ordinary cancellation (before, gRPC's RpcException(Cancelled) escaped), and leaves nothing behind.
            using (var cancelled = new CancellationTokenSource())
            {
                await cancelled.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(self, "never"u8.ToArray(), false, cancelled.Token).AsTask());
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendReplyAsync(withSurb.ReplySurb, "never"u8.ToArray(), cancelled.Token).AsTask());
                Assert.Equal(0, client.PendingAckCount);
                Assert.Equal(0, client.QueueLength);
            }

            var tooLong = await Assert.ThrowsAsync<ClientRequestException>(
                () => client.SendReplyAsync(withSurb.ReplySurb, new byte[1611], TestContext.Current.CancellationToken).AsTask());
            Assert.Contains("1610", tooLong.Message, StringComparison.Ordinal);
        }

        // init again: the keys and the gateway are kept.
        var again = await ClientInitialisation.InitAsync("alice", null, Validators, host.Services, NullLogger.Instance, TestContext.Current.CancellationToken);
        Assert.False(again.KeysCreated);
        Assert.True(again.GatewayReused);
        Assert.Equal(init.Address, again.Address);
        Assert.Equal(init.Gateway, again.Gateway);
    }

    [Fact]
    public async Task TwoClientsExchangeMessagesAndAMebibyteArrivesWhole()
    {
        await using var host = await ClientServicesHost.StartAsync(network);
        var (_, bob) = await InitAndStartAsync(host, "bob");
        var (_, carol) = await InitAndStartAsync(host, "carol");
        await using (bob)
        await using (carol)
        {
            await bob.SendAsync(Parse(carol.Address), "hi carol"u8.ToArray(), false, TestContext.Current.CancellationToken);
            Assert.Equal("hi carol"u8.ToArray(), (await NextAsync(carol)).Message.ToArray());
            await carol.SendAsync(Parse(bob.Address), "hi bob"u8.ToArray(), true, TestContext.Current.CancellationToken);
            var fromCarol = await NextAsync(bob);
            Assert.Equal("hi bob"u8.ToArray(), fromCarol.Message.ToArray());
            await bob.SendReplyAsync(fromCarol.ReplySurb!, "anonymous thanks"u8.ToArray(), TestContext.Current.CancellationToken);
            Assert.Equal("anonymous thanks"u8.ToArray(), (await NextAsync(carol)).Message.ToArray());

            var big = RandomNumberGenerator.GetBytes(1024 * 1024);
            await bob.SendAsync(Parse(carol.Address), big, false, TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(3));
            var received = await carol.Received.ReadAsync(timeout.Token);
            Assert.True(big.AsSpan().SequenceEqual(received.Message.Span), "the 1 MiB message arrived changed");
        }
    }

    [Fact]
    public async Task AMessageSentAcrossAGatewayRestartStillArrives()
    {
        await using var host = await ClientServicesHost.StartAsync(network);
        var (_, client) = await InitAndStartAsync(host, "dave");
        await using (client)
        {
            var self = Parse(client.Address);
            await client.SendAsync(self, "before"u8.ToArray(), false, TestContext.Current.CancellationToken);
            Assert.Equal("before"u8.ToArray(), (await NextAsync(client)).Message.ToArray());

            await network.RestartGatewayAsync();
            await client.SendAsync(self, "after the restart"u8.ToArray(), false, TestContext.Current.CancellationToken);
            Assert.Equal("after the restart"u8.ToArray(), (await NextAsync(client)).Message.ToArray());
            Assert.True(client.Link.Connections >= 2, $"{client.Link.Connections} connection(s)");
        }
    }

    [Fact]
    public async Task AMessageQueuedWhenTheGatewayRestartsArrivesWholeAndNothingStaysUnacknowledged()
    {
        await using var host = await ClientServicesHost.StartAsync(network);

        // A slower main stream, so that the message is still being sent when the gateway goes (about 190 packets, 4 s).
        var (_, client) = await InitAndStartAsync(host, "heidi", Fast with { MessageSendingAverageDelay = TimeSpan.FromMilliseconds(20) });
        await using (client)
        {
            var message = RandomNumberGenerator.GetBytes(300_000);
            await client.SendAsync(Parse(client.Address), message, false, TestContext.Current.CancellationToken);
            Assert.True(client.QueueLength > 0, "the message was sent before the restart; the test did not test the restart mid-transfer");

            await network.RestartGatewayAsync();

            // Packets written into the old connection or lost with the gateway are retransmitted; those queued wait.
            var received = await NextAsync(client);
            Assert.True(message.AsSpan().SequenceEqual(received.Message.Span), "the message arrived changed");
            await Eventually.TrueAsync(() => client.PendingAckCount == 0 && client.QueueLength == 0, "every fragment acknowledged", Patience);
            Assert.Equal(0, client.HeldBytes);
            Assert.True(client.Link.Connections >= 2, $"{client.Link.Connections} connection(s)");
        }
    }

    [Fact]
    public async Task ASendWaitsForRoomWhileNoAckComesAndHoldsNoMoreThanTheBudget()
    {
        await using var host = await ClientServicesHost.StartAsync(network);

        // Room for about 16 packets; the message is about 65.
        const long Budget = 40_000;
        var (_, client) = await InitAndStartAsync(host, "ivan", Fast with { SendBudgetBytes = Budget });
        await using (client)
        {
            var message = RandomNumberGenerator.GetBytes(100_000);
            Task? sending = null;
            await network.RestartMixNodeAsync(1, async () =>
            {
                // Every route crosses the one layer-1 node: while it is down no ack comes, so no room is made.
                sending = client.SendAsync(Parse(client.Address), message, false, TestContext.Current.CancellationToken).AsTask();
                await Eventually.TrueAsync(() => client.HeldBytes > Budget * 3 / 4, "the budget to fill", Patience);

                // A second send finds no room either, and its cancellation takes nothing with it.
                using var cancel = new CancellationTokenSource();
                var second = client.SendAsync(Parse(client.Address), "second"u8.ToArray(), false, cancel.Token).AsTask();
                await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
                Assert.False(sending.IsCompleted, "the send returned although its packets could not all be held");
                Assert.False(second.IsCompleted, "the second send returned although there was no room");
                Assert.InRange(client.HeldBytes, 1, Budget);
                int pending = client.PendingAckCount;
                await cancel.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
                Assert.Equal(pending, client.PendingAckCount);
            });

            // Acks come again: the send finishes, the message arrives whole, and everything held is given back.
            await sending!.WaitAsync(Patience * 2, TestContext.Current.CancellationToken);
            var received = await NextAsync(client);
            Assert.True(message.AsSpan().SequenceEqual(received.Message.Span), "the message arrived changed");
            await Eventually.TrueAsync(() => client.HeldBytes == 0 && client.PendingAckCount == 0, "everything acknowledged", Patience);
        }
    }

    [Fact]
    public async Task ALoopThatFailsIsVisibleAndDisposingStillCompletes()
    {
        await using var host = await ClientServicesHost.StartAsync(network);
        var (_, client) = await InitAndStartAsync(host, "judy");
        Assert.False(client.Faulted.IsCompleted);

        // The link taken away under the running client: its streams and its receive loop can no longer work.
        await client.Link.DisposeAsync();
        var failure = await client.Faulted.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.NotNull(failure);
        await client.DisposeAsync();
        Assert.True(client.Received.Completion.IsCompleted);
    }

    [Fact]
    public async Task AMixNodeStoppedAndRestartedMidTransferCostsRetransmissionsNotTheMessage()
    {
        await using var host = await ClientServicesHost.StartAsync(network);
        var (_, client) = await InitAndStartAsync(host, "grace");
        long retransmissions = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ClientMetrics.MeterName && instrument.Name == "nym.client.retransmissions")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref retransmissions, value));
        listener.Start();
        await using (client)
        {
            var message = RandomNumberGenerator.GetBytes(20_000);
            await network.RestartMixNodeAsync(1, async () =>
            {
                // Every route crosses the one layer-1 node: no packet and no ack gets through while it is down, so
                // each fragment's timer runs out and it is sent again.
                await client.SendAsync(Parse(client.Address), message, false, TestContext.Current.CancellationToken);
                await Eventually.TrueAsync(() => Interlocked.Read(ref retransmissions) > 0, "a retransmission while the node is down", Patience);
            });

            var received = await NextAsync(client);
            Assert.True(message.AsSpan().SequenceEqual(received.Message.Span), "the message arrived changed");
            await Eventually.TrueAsync(() => client.PendingAckCount == 0, "every fragment acknowledged after the restart", Patience);
        }
    }

    [Fact]
    public async Task InitErrorsSayWhatToDo()
    {
        await using var host = await ClientServicesHost.StartAsync(network);
        var unreachable = await Assert.ThrowsAsync<ClientSetupException>(() => ClientInitialisation.InitAsync(
            "erin", null, [new Uri("http://127.0.0.1:1")], host.Services, NullLogger.Instance, TestContext.Current.CancellationToken));
        Assert.Contains("http://127.0.0.1:1", unreachable.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project NymAspire.AppHost", unreachable.Message, StringComparison.Ordinal);

        const string Stranger = "FioFa8nMmPpQnYi7JyojoTuwGLeyNS8BF4ChPr29zUML";
        var unknown = await Assert.ThrowsAsync<ClientSetupException>(() => ClientInitialisation.InitAsync(
            "erin", Stranger, Validators, host.Services, NullLogger.Instance, TestContext.Current.CancellationToken));
        Assert.Contains("Unknown gateway " + Stranger, unknown.Message, StringComparison.Ordinal);

        var notAnId = await Assert.ThrowsAsync<ClientSetupException>(() => ClientInitialisation.InitAsync(
            "erin", "not-base58-0OIl", Validators, host.Services, NullLogger.Instance, TestContext.Current.CancellationToken));
        Assert.Contains("not a gateway id", notAnId.Message, StringComparison.Ordinal);

        var notInitialised = await Assert.ThrowsAsync<ClientSetupException>(() => MixnetClient.StartAsync("frank",
            new GatewayEndpoint(Stranger, network.ClientsUri.ToString()), host.Services, Fast, TimeProvider.System, NullLoggerFactory.Instance,
            TestContext.Current.CancellationToken));
        Assert.Contains("nym-client init --id frank", notInitialised.Message, StringComparison.Ordinal);

        var noKeyStore = new ClientServices(new Uri($"http://127.0.0.1:{Ports.Free()}"), host.Services.Crypto, ClientServicesHost.Token);
        var keyStoreAway = await Assert.ThrowsAsync<ClientSetupException>(() => ClientInitialisation.InitAsync(
            "erin", null, Validators, noKeyStore, NullLogger.Instance, TestContext.Current.CancellationToken));
        Assert.Contains("KeyStore at " + noKeyStore.KeyStore, keyStoreAway.Message, StringComparison.Ordinal);
    }
}
