using Google.Protobuf;
using Grpc.Core;
using Nym.KeyStore.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Keys;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>Every RPC of keystore.proto on its ordinary path and with each error the contract lists.</summary>
public sealed class ClientTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private KeyStoreHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await KeyStoreHost.StartAsync(_home.Path);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _home.Dispose();
    }

    private KeyStoreService.KeyStoreServiceClient Client => _host.Client;

    private static DateTime Deadline => KeyStoreHost.Deadline;

    [Fact]
    public async Task A_new_client_has_keys_but_no_gateway_or_address_yet()
    {
        var created = await _host.CreateAsync("alice");

        Assert.Equal(32, created.IdentityKey.Length);
        Assert.Equal(32, created.EncryptionKey.Length);
        Assert.True(created.GatewayIdentityKey.IsEmpty);
        Assert.Equal("", created.Address);
        Assert.Equal(created, await _host.GetPublicKeysAsync("alice"));
        var crypto = await _host.GetCryptoKeysAsync("alice");
        Assert.Equal(created.IdentityKey, crypto.IdentityKey);
        Assert.Equal(created.EncryptionKey, crypto.EncryptionKey);
        Assert.Equal(created.EncryptionKey.ToByteArray(), EncryptionKeyPair.FromPrivateKey(crypto.EncryptionPrivateKey.Span).PublicKey.ToArray());
        Assert.Equal(16, crypto.AckKey.Length);
        Assert.True(crypto.GatewayIdentityKey.IsEmpty);
        await RpcAssert.Refused(StatusCode.FailedPrecondition, () => _host.GetGatewayKeysAsync("alice"));
    }

    [Fact]
    public async Task Two_clients_get_different_keys()
    {
        var alice = await _host.CreateAsync("alice");
        var bob = await _host.CreateAsync("bob");

        Assert.NotEqual(alice.IdentityKey, bob.IdentityKey);
        Assert.NotEqual(alice.EncryptionKey, bob.EncryptionKey);
    }

    [Fact]
    public async Task Sign_makes_signatures_that_verify_with_the_identity_key()
    {
        var created = await _host.CreateAsync("alice");
        var message = new byte[1024];
        Random.Shared.NextBytes(message);

        var signed = await Client.SignAsync(new SignRequest { ClientId = "alice", Message = ByteString.CopyFrom(message) }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(64, signed.Signature.Length);
        Assert.True(IdentityKeyPair.Verify(created.IdentityKey.Span, message, signed.Signature.Span));
        message[0] ^= 1;
        Assert.False(IdentityKeyPair.Verify(created.IdentityKey.Span, message, signed.Signature.Span));
    }

    [Fact]
    public async Task Sign_refuses_more_than_1024_bytes()
    {
        await _host.CreateAsync("alice");

        var e = await RpcAssert.Refused(StatusCode.InvalidArgument,
            () => Client.SignAsync(new SignRequest { ClientId = "alice", Message = ByteString.CopyFrom(new byte[1025]) }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);
        Assert.Contains("1024", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_keys_give_the_address_and_can_be_replaced()
    {
        var created = await _host.CreateAsync("alice");
        var gateway = IdentityKeyPair.Generate().PublicKey;
        var shared = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        await _host.SetGatewayKeysAsync("alice", gateway.ToArray(), shared);

        var keys = await _host.GetPublicKeysAsync("alice");
        Assert.Equal(gateway.ToArray(), keys.GatewayIdentityKey.ToByteArray());
        var expected = new Recipient(
            Nym.Sphinx.Bytes32.From(created.IdentityKey.Span), Nym.Sphinx.Bytes32.From(created.EncryptionKey.Span), gateway);
        Assert.Equal(expected.ToBase58String(), keys.Address);
        Assert.Equal(gateway.ToArray(), (await _host.GetCryptoKeysAsync("alice")).GatewayIdentityKey.ToByteArray());
        var gatewayKeys = await _host.GetGatewayKeysAsync("alice");
        Assert.Equal(gateway.ToArray(), gatewayKeys.GatewayIdentityKey.ToByteArray());
        Assert.Equal(shared, gatewayKeys.SharedKeys.ToByteArray());

        var other = IdentityKeyPair.Generate().PublicKey.ToArray();
        var otherShared = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        await _host.SetGatewayKeysAsync("alice", other, otherShared);

        gatewayKeys = await _host.GetGatewayKeysAsync("alice");
        Assert.Equal(other, gatewayKeys.GatewayIdentityKey.ToByteArray());
        Assert.Equal(otherShared, gatewayKeys.SharedKeys.ToByteArray());
    }

    [Theory]
    [InlineData(31, 32)]
    [InlineData(32, 31)]
    [InlineData(32, 0)]
    [InlineData(0, 32)]
    public async Task SetGatewayKeys_refuses_wrong_lengths(int identityLength, int sharedLength)
    {
        await _host.CreateAsync("alice");

        await RpcAssert.Refused(StatusCode.InvalidArgument,
            () => _host.SetGatewayKeysAsync("alice", TestGateway.Identity[..identityLength], new byte[sharedLength]));
        Assert.False(File.Exists(Path.Combine(_host.DataDirectory("alice"), "gateway_shared.pem")));
    }

    [Fact]
    public async Task SetGatewayKeys_refuses_a_gateway_key_that_is_not_a_curve_point()
    {
        await _host.CreateAsync("alice");
        // y = 2 is not the y-coordinate of any Ed25519 point.
        var notAPoint = new byte[32];
        notAPoint[0] = 2;

        await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.SetGatewayKeysAsync("alice", notAPoint, new byte[32]));
    }

    [Fact]
    public async Task A_second_create_is_ALREADY_EXISTS_and_leaves_the_files_byte_identical()
    {
        await _host.CreateAsync("alice");
        await _host.SetGatewayKeysAsync("alice", TestGateway.Identity, TestGateway.SharedKeys);
        var before = Snapshot("alice");

        await RpcAssert.Refused(StatusCode.AlreadyExists, () => _host.CreateAsync("alice"));

        Assert.Equal(before, Snapshot("alice"));
        Assert.Equal(TestGateway.Identity, (await _host.GetPublicKeysAsync("alice")).GatewayIdentityKey.ToByteArray());
    }

    [Fact]
    public async Task Concurrent_creates_make_one_client()
    {
        var calls = Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                return await _host.CreateAsync("alice");
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                return null;
            }
        }).ToArray();

        var results = await Task.WhenAll(calls);

        var created = Assert.Single(results, r => r is not null)!;
        Assert.Equal(created, await _host.GetPublicKeysAsync("alice"));
        var identityFile = Path.Combine(_host.DataDirectory("alice"), "public_identity.pem");
        Assert.True(PemFile.TryRead(identityFile, Pem.Ed25519PublicKey, 32, out var onDisk, out var error), error);
        Assert.Equal(created.IdentityKey.ToByteArray(), onDisk);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".alice")]
    [InlineData("..")]
    [InlineData("../alice")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("al ice")]
    [InlineData("alice\n")]
    [InlineData("älice")]
    [InlineData("a\0")]
    public async Task Malformed_client_ids_are_INVALID_ARGUMENT_for_every_RPC(string id)
    {
        foreach (var call in EveryCall(id))
        {
            await RpcAssert.Refused(StatusCode.InvalidArgument, call);
        }

        Assert.False(Directory.Exists(Path.Combine(_home.Path, "clients")));
    }

    [Fact]
    public async Task Ids_of_64_characters_are_fine_and_65_are_not()
    {
        var longest = new string('a', 63) + ".";
        await _host.CreateAsync(longest);
        Assert.True(Directory.Exists(_host.DataDirectory(longest)));

        await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.CreateAsync(new string('b', 65)));
    }

    [Fact]
    public async Task An_unknown_client_is_NOT_FOUND_with_its_id_for_every_RPC_but_create()
    {
        foreach (var call in EveryCall("nobody").Skip(1))
        {
            var e = await RpcAssert.Refused(StatusCode.NotFound, call);
            Assert.Contains("'nobody'", e.Status.Detail, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_home.Path, "clients", "nobody")));
    }

    /// <summary>One call of each RPC with arguments valid but for the id; CreateClient first.</summary>
    internal static IEnumerable<Func<Task>> EveryCall(KeyStoreService.KeyStoreServiceClient client, string id)
    {
        var digest = ByteString.CopyFrom(new byte[32]);
        yield return () => client.CreateClientAsync(new CreateClientRequest { ClientId = id }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        yield return () => client.GetPublicKeysAsync(new ClientRef { ClientId = id }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        yield return () => client.SignAsync(new SignRequest { ClientId = id, Message = ByteString.CopyFromUtf8("m") }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        yield return () => client.GetCryptoKeysAsync(new ClientRef { ClientId = id }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        yield return () => client.SetGatewayKeysAsync(new SetGatewayKeysRequest
        {
            ClientId = id, GatewayIdentityKey = ByteString.CopyFrom(TestGateway.Identity), SharedKeys = ByteString.CopyFrom(TestGateway.SharedKeys),
        }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        yield return () => client.GetGatewayKeysAsync(new ClientRef { ClientId = id }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        yield return () => client.StoreReplyKeysAsync(new StoreReplyKeysRequest
        {
            ClientId = id, Keys = { new ReplyKey { Digest = digest, Key = ByteString.CopyFrom(new byte[16]) } },
        }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        yield return () => client.TakeReplyKeysAsync(new TakeReplyKeysRequest { ClientId = id, Digests = { digest } }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
    }

    private IEnumerable<Func<Task>> EveryCall(string id) => EveryCall(Client, id);

    private Dictionary<string, byte[]> Snapshot(string clientId) =>
        Directory.GetFiles(_host.DataDirectory(clientId)).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllBytes(f));
}
