extern alias keystore;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nym.KeyStore.V1;
using keystore::Nym.KeyStore;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>A directory under the system temp directory, deleted with everything in it at the end of the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nym-keystore-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>
/// nym-keystore started in-process with its normal startup code (<see cref="KeyStoreApp.Build"/>) on 127.0.0.1
/// port 0, a real home directory and SQLite file, reached through a real gRPC channel that carries the token.
/// </summary>
internal sealed class KeyStoreHost : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private KeyStoreHost(WebApplication app, string home)
    {
        _app = app;
        Home = home;
        var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
        GrpcUri = endpoints.Grpc;
        HttpUri = endpoints.Http;
        _channel = GrpcChannel.ForAddress(GrpcUri);
        Client = new KeyStoreService.KeyStoreServiceClient(_channel.CreateCallInvoker().WithServiceToken(Token));
    }

    public string Home { get; }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    /// <summary>Calls with the deployment's token.</summary>
    public KeyStoreService.KeyStoreServiceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A client of the same service without a token, or with <paramref name="token"/>.</summary>
    public KeyStoreService.KeyStoreServiceClient ClientWith(string? token) => token is null
        ? new KeyStoreService.KeyStoreServiceClient(_channel)
        : new KeyStoreService.KeyStoreServiceClient(_channel.CreateCallInvoker().WithServiceToken(token));

    public static async Task<KeyStoreHost> StartAsync(string home, Queue<byte[]>? keyBytes = null, int? maxReplyKeysPerClient = null, int? maxCachedClients = null, int? maxTakenReplyDigestsPerClient = null)
    {
        var options = new KeyStoreOptions(home, Token)
        {
            MaxReplyKeysPerClient = maxReplyKeysPerClient ?? KeyStoreOptions.DefaultMaxReplyKeysPerClient,
            MaxCachedClients = maxCachedClients ?? KeyStoreOptions.DefaultMaxCachedClients,
            MaxTakenReplyDigestsPerClient = maxTakenReplyDigestsPerClient ?? KeyStoreOptions.DefaultMaxTakenReplyDigestsPerClient,
        };
        KeyRandomness? randomness = keyBytes is null ? null : length =>
        {
            var bytes = keyBytes.Dequeue();
            Assert.Equal(length, bytes.Length);
            return bytes;
        };
        var app = KeyStoreApp.Build(new KeyStoreHostOptions(IPAddress.Loopback, 0, 0, options), randomness);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new KeyStoreHost(app, home);
    }

    /// <summary>Every call in the tests has a deadline, as DESIGN.md asks of every client.</summary>
    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(20);

    public string DataDirectory(string clientId) => Path.Combine(Home, "clients", clientId, "data");

    public Task<ClientPublicKeys> CreateAsync(string clientId) =>
        Client.CreateClientAsync(new CreateClientRequest { ClientId = clientId }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;

    public Task<ClientPublicKeys> GetPublicKeysAsync(string clientId) =>
        Client.GetPublicKeysAsync(new ClientRef { ClientId = clientId }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;

    public Task<CryptoKeys> GetCryptoKeysAsync(string clientId) =>
        Client.GetCryptoKeysAsync(new ClientRef { ClientId = clientId }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;

    public Task<GatewayKeys> GetGatewayKeysAsync(string clientId) =>
        Client.GetGatewayKeysAsync(new ClientRef { ClientId = clientId }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;

    public Task<SetGatewayKeysResponse> SetGatewayKeysAsync(string clientId, byte[] gatewayIdentity, byte[] sharedKeys) =>
        Client.SetGatewayKeysAsync(new SetGatewayKeysRequest
        {
            ClientId = clientId,
            GatewayIdentityKey = Google.Protobuf.ByteString.CopyFrom(gatewayIdentity),
            SharedKeys = Google.Protobuf.ByteString.CopyFrom(sharedKeys),
        }, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _channel.Dispose();
    }
}

internal static class RpcAssert
{
    public static async Task<RpcException> Refused(StatusCode expected, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, e.StatusCode);
        return e;
    }
}

/// <summary>A real gateway identity (Ed25519 point) and shared keys, for the tests that only need some.</summary>
internal static class TestGateway
{
    public static byte[] Identity { get; } = Nym.Protocol.Keys.IdentityKeyPair.Generate().PublicKey.ToArray();

    public static byte[] SharedKeys { get; } = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
}
