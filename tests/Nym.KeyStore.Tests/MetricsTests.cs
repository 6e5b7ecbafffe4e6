using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Nym.KeyStore.V1;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>The Nym.KeyStore meter: aggregates with no tag at all, so no client id can reach the dashboard.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Creations_signatures_reply_keys_repeats_and_refused_calls_are_counted_without_tags()
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path, maxReplyKeysPerClient: 2);
        // Only this host's meter: other tests run their own hosts in parallel.
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<string, long>();
        var tagged = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Nym.KeyStore" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            counts.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            if (!tags.IsEmpty)
            {
                Interlocked.Increment(ref tagged);
            }
        });
        listener.Start();

        await host.CreateAsync("alice");
        await RpcAssert.Refused(StatusCode.AlreadyExists, () => host.CreateAsync("alice"));
        await host.Client.SignAsync(new SignRequest { ClientId = "alice", Message = ByteString.CopyFromUtf8("m") }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        var keys = Enumerable.Range(0, 3).Select(_ => ReplyKeyTests.NewKey()).ToArray();
        await host.Client.StoreReplyKeysAsync(new StoreReplyKeysRequest { ClientId = "alice", Keys = { keys } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        await host.Client.TakeReplyKeysAsync(
            new TakeReplyKeysRequest { ClientId = "alice", Digests = { keys.Select(k => k.Digest) } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        // Again: the two taken are repeats, the one dropped by the bound was never taken.
        await host.Client.TakeReplyKeysAsync(
            new TakeReplyKeysRequest { ClientId = "alice", Digests = { keys.Select(k => k.Digest) } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        await RpcAssert.Refused(StatusCode.Unauthenticated, () => host.ClientWith(null).GetPublicKeysAsync(
            new ClientRef { ClientId = "alice" }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);

        Assert.Equal(1, counts.GetValueOrDefault("nym.keystore.clients.created"));
        Assert.Equal(1, counts.GetValueOrDefault("nym.keystore.signatures"));
        Assert.Equal(3, counts.GetValueOrDefault("nym.keystore.reply_keys.stored"));
        Assert.Equal(1, counts.GetValueOrDefault("nym.keystore.reply_keys.dropped"));
        Assert.Equal(2, counts.GetValueOrDefault("nym.keystore.reply_keys.taken"));
        Assert.Equal(2, counts.GetValueOrDefault("nym.keystore.reply_keys.repeated"));
        Assert.Equal(1, counts.GetValueOrDefault("nym.keystore.calls.unauthenticated"));
        Assert.Equal(0, tagged);
    }
}
