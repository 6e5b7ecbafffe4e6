extern alias keystore;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Nym.KeyStore.V1;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>Reply-SURB keys (nym-mixnet.md §4): stored, taken once only, a second take reported, bounded per client.</summary>
public sealed class ReplyKeyTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private KeyStoreHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await KeyStoreHost.StartAsync(_home.Path, maxReplyKeysPerClient: 50, maxTakenReplyDigestsPerClient: 40);
        await _host.CreateAsync("alice");
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _home.Dispose();
    }

    internal static ReplyKey NewKey() => new()
    {
        Digest = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
        Key = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16)),
    };

    private Task<StoreReplyKeysResponse> Store(string clientId, params ReplyKey[] keys) =>
        _host.Client.StoreReplyKeysAsync(new StoreReplyKeysRequest { ClientId = clientId, Keys = { keys } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;

    private async Task<List<ReplyKey>> Take(string clientId, params ByteString[] digests) => [.. (await TakeAll(clientId, digests)).Keys];

    private async Task<TakeReplyKeysResponse> TakeAll(string clientId, params ByteString[] digests) =>
        await _host.Client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = clientId, Digests = { digests } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);

    private static IEnumerable<string> Sorted(IEnumerable<ByteString> digests) => digests.Select(d => d.ToBase64()).Order();

    [Fact]
    public async Task Only_stored_digests_come_back_and_only_once()
    {
        var first = NewKey();
        var second = NewKey();
        var never = NewKey();
        await Store("alice", first, second);

        var taken = await Take("alice", first.Digest, never.Digest, second.Digest);

        Assert.Equal(new[] { first, second }.OrderBy(k => k.Digest.ToBase64()), taken.OrderBy(k => k.Digest.ToBase64()));
        Assert.Empty(await Take("alice", first.Digest, second.Digest));
    }

    [Fact]
    public async Task A_second_take_reports_the_digest_as_already_taken_and_an_unknown_one_as_neither()
    {
        var key = NewKey();
        var never = NewKey();
        await Store("alice", key);

        var first = await TakeAll("alice", key.Digest, never.Digest);
        var second = await TakeAll("alice", key.Digest, never.Digest);
        var third = await TakeAll("alice", key.Digest);

        Assert.Equal(key, Assert.Single(first.Keys));
        Assert.Empty(first.AlreadyTaken);
        Assert.Empty(second.Keys);
        Assert.Equal(key.Digest, Assert.Single(second.AlreadyTaken));
        Assert.Equal(key.Digest, Assert.Single(third.AlreadyTaken));
    }

    private async Task<TakeReplyKeysResponse> TakeInBatch(string clientId, ByteString batchId, params ByteString[] digests) =>
        await _host.Client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = clientId, BatchId = batchId, Digests = { digests } },
            deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);

    private static ByteString NewBatchId() => ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16));

    [Fact]
    public async Task A_retried_batch_gets_its_keys_again_and_another_batch_finds_them_taken()
    {
        var key = NewKey();
        var later = NewKey();
        await Store("alice", key, later);
        var batch = NewBatchId();

        var first = await TakeInBatch("alice", batch, key.Digest);
        // The retry may carry more payloads than the first attempt saw opened: the new ones are taken as usual.
        var retried = await TakeInBatch("alice", batch, key.Digest, later.Digest);
        var again = await TakeInBatch("alice", batch, key.Digest, later.Digest);
        var other = await TakeInBatch("alice", NewBatchId(), key.Digest, later.Digest);
        var none = await TakeAll("alice", key.Digest);

        Assert.Equal(key, Assert.Single(first.Keys));
        Assert.Equal(Sorted([key.Digest, later.Digest]), Sorted(retried.Keys.Select(k => k.Digest)));
        Assert.Empty(retried.AlreadyTaken);
        Assert.Equal(new[] { key, later }.OrderBy(k => k.Digest.ToBase64()), again.Keys.OrderBy(k => k.Digest.ToBase64()));
        Assert.Empty(other.Keys);
        Assert.Equal(Sorted([key.Digest, later.Digest]), Sorted(other.AlreadyTaken));
        Assert.Equal(key.Digest, Assert.Single(none.AlreadyTaken));
    }

    [Fact]
    public async Task A_batch_id_is_one_clients_only()
    {
        await _host.CreateAsync("bob");
        var key = NewKey();
        await Store("alice", key);
        var batch = NewBatchId();
        await TakeInBatch("alice", batch, key.Digest);

        Assert.Empty((await TakeInBatch("bob", batch, key.Digest)).Keys);
    }

    [Fact]
    public async Task A_batch_id_other_than_16_bytes_is_an_invalid_argument()
    {
        var e = await RpcAssert.Refused(StatusCode.InvalidArgument, () => TakeInBatch("alice", ByteString.CopyFrom(new byte[8]), NewKey().Digest));
        Assert.Contains("batch_id is 16 random bytes", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_is_remembered_for_five_minutes_only()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var home = new TempDirectory();
        using var database = keystore::Nym.KeyStore.KeyStoreDatabase.Open(new keystore::Nym.KeyStore.KeyStoreOptions(home.Path, KeyStoreHost.Token), time);
        var digest = RandomNumberGenerator.GetBytes(32);
        var batch = RandomNumberGenerator.GetBytes(16);
        database.StoreReplyKeys("alice", [(digest, RandomNumberGenerator.GetBytes(16))]);
        Assert.Single(database.TakeReplyKeys("alice", [digest], batch).Taken);

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Single(database.TakeReplyKeys("alice", [digest], batch).Taken);
        time.Advance(TimeSpan.FromSeconds(1));
        var late = database.TakeReplyKeys("alice", [digest], batch);

        Assert.Empty(late.Taken);
        Assert.Single(late.AlreadyTaken);
    }

    [Fact]
    public async Task A_digest_asked_twice_in_one_call_is_answered_once()
    {
        var key = NewKey();
        await Store("alice", key);

        var taken = await TakeAll("alice", key.Digest, key.Digest);

        Assert.Equal(key, Assert.Single(taken.Keys));
        Assert.Empty(taken.AlreadyTaken);
    }

    [Fact]
    public async Task One_clients_taken_digests_are_not_anothers()
    {
        await _host.CreateAsync("bob");
        var key = NewKey();
        await Store("alice", key);
        await Take("alice", key.Digest);

        Assert.Empty((await TakeAll("bob", key.Digest)).AlreadyTaken);
        Assert.Single((await TakeAll("alice", key.Digest)).AlreadyTaken);
    }

    [Fact]
    public async Task Beyond_the_bound_the_oldest_taken_digests_are_forgotten()
    {
        // The host remembers 40 taken digests per client: take 30, then 20 more in two calls.
        var keys = Enumerable.Range(0, 50).Select(_ => NewKey()).ToArray();
        await Store("alice", keys);
        await Take("alice", [.. keys[..30].Select(k => k.Digest)]);
        await Take("alice", [.. keys[30..40].Select(k => k.Digest)]);
        await Take("alice", [.. keys[40..].Select(k => k.Digest)]);

        var again = await TakeAll("alice", [.. keys.Select(k => k.Digest)]);

        Assert.Empty(again.Keys);
        Assert.Equal(Sorted(keys[10..].Select(k => k.Digest)), Sorted(again.AlreadyTaken));
    }

    [Fact]
    public async Task One_clients_keys_are_not_anothers()
    {
        await _host.CreateAsync("bob");
        var key = NewKey();
        await Store("alice", key);

        Assert.Empty(await Take("bob", key.Digest));
        Assert.Equal(key, Assert.Single(await Take("alice", key.Digest)));
    }

    [Fact]
    public async Task Concurrent_takes_of_the_same_keys_return_each_key_once_in_all()
    {
        var keys = Enumerable.Range(0, 200).Select(_ => NewKey()).ToArray();
        await using var big = await KeyStoreHost.StartAsync(Path.Combine(_home.Path, "big"));
        await big.CreateAsync("carol");
        await big.Client.StoreReplyKeysAsync(new StoreReplyKeysRequest { ClientId = "carol", Keys = { keys } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);
        var digests = keys.Select(k => k.Digest).ToArray();

        var takes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => big.Client.TakeReplyKeysAsync(
            new TakeReplyKeysRequest { ClientId = "carol", Digests = { i % 2 == 0 ? digests : digests.Reverse() } }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync));

        var all = takes.SelectMany(t => t.Keys).ToList();
        Assert.Equal(keys.Length, all.Count);
        Assert.Equal(keys.OrderBy(k => k.Digest.ToBase64()), all.OrderBy(k => k.Digest.ToBase64()));
    }

    [Fact]
    public async Task Beyond_the_bound_the_oldest_keys_are_dropped()
    {
        var keys = Enumerable.Range(0, 60).Select(_ => NewKey()).ToArray();
        await Store("alice", keys[..30]);
        await Store("alice", keys[30..]);

        var taken = await Take("alice", [.. keys.Select(k => k.Digest)]);

        Assert.Equal(keys[10..].OrderBy(k => k.Digest.ToBase64()), taken.OrderBy(k => k.Digest.ToBase64()));
    }

    [Fact]
    public async Task Storing_a_digest_twice_keeps_one_key()
    {
        var key = NewKey();
        await Store("alice", key);
        await Store("alice", key);

        Assert.Single(await Take("alice", key.Digest));
        Assert.Empty(await Take("alice", key.Digest));
    }

    [Theory]
    [InlineData(31, 16)]
    [InlineData(33, 16)]
    [InlineData(32, 15)]
    [InlineData(32, 0)]
    public async Task Store_refuses_wrong_lengths(int digestLength, int keyLength)
    {
        var bad = new ReplyKey { Digest = ByteString.CopyFrom(new byte[digestLength]), Key = ByteString.CopyFrom(new byte[keyLength]) };
        var good = NewKey();

        await RpcAssert.Refused(StatusCode.InvalidArgument, () => Store("alice", good, bad));

        Assert.Empty(await Take("alice", good.Digest));
    }

    [Fact]
    public async Task Take_refuses_a_wrong_digest_length()
    {
        var key = NewKey();
        await Store("alice", key);

        await RpcAssert.Refused(StatusCode.InvalidArgument, () => Take("alice", key.Digest, ByteString.CopyFrom(new byte[31])));

        Assert.Single(await Take("alice", key.Digest));
    }

    [Fact]
    public async Task More_than_10000_per_call_is_INVALID_ARGUMENT()
    {
        var digests = Enumerable.Range(0, 10_001).Select(_ => ByteString.CopyFrom(new byte[32])).ToArray();
        var keys = Enumerable.Range(0, 10_001).Select(_ => NewKey()).ToArray();

        var e = await RpcAssert.Refused(StatusCode.InvalidArgument, () => Take("alice", digests));
        Assert.Contains("10000", e.Status.Detail, StringComparison.Ordinal);
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => Store("alice", keys));
        Assert.Empty(await Take("alice", keys[0].Digest));
    }
}
