extern alias keystore;

using System.Net;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nym.KeyStore.V1;
using Nym.Protocol.Gateway;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Nym.TestNetwork;
using Xunit;
using KeyStoreOptions = keystore::Nym.KeyStore.KeyStoreOptions;
using KeyStoreServiceExtensions = keystore::Nym.KeyStore.KeyStoreServiceExtensions;

namespace Nym.Crypto.Tests;

/// <summary>The real KeyStore service (AddKeyStore/MapKeyStore) in-process on a free loopback port, with a temporary home.</summary>
internal sealed class KeyStoreHost : IAsyncDisposable
{
    private readonly TempDirectory _home = new("nym-crypto-tests-keystore-");
    private WebApplication _app = null!;
    private GrpcChannel _channel = null!;

    public Uri Url { get; private set; } = null!;

    /// <summary>Calls with the deployment's token.</summary>
    public KeyStoreService.KeyStoreServiceClient Client { get; private set; } = null!;

    public static async Task<KeyStoreHost> StartAsync()
    {
        var host = new KeyStoreHost();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        if (Environment.GetEnvironmentVariable("NYM_TEST_LOGS") is not { Length: > 0 })
        {
            builder.Services.RemoveAll<ILoggerProvider>();
        }

        KeyStoreServiceExtensions.AddKeyStore(builder.Services, new KeyStoreOptions(host._home.Path, CryptoHost.Token));
        host._app = builder.Build();
        KeyStoreServiceExtensions.MapKeyStore(host._app);
        await host._app.StartAsync(TestContext.Current.CancellationToken);
        var address = host._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Url = new Uri(address);
        host._channel = GrpcChannel.ForAddress(host.Url);
        host.Client = new KeyStoreService.KeyStoreServiceClient(host._channel.CreateCallInvoker().WithServiceToken(CryptoHost.Token));
        return host;
    }

    /// <summary>A new client registered with <paramref name="gateway"/> (keys from CreateClient, gateway from SetGatewayKeys).</summary>
    public async Task<ClientPublicKeys> CreateRegisteredClientAsync(string clientId, Bytes32 gateway)
    {
        await Client.CreateClientAsync(new CreateClientRequest { ClientId = clientId }, cancellationToken: TestContext.Current.CancellationToken);
        await Client.SetGatewayKeysAsync(new SetGatewayKeysRequest
        {
            ClientId = clientId, GatewayIdentityKey = ByteString.CopyFrom(gateway.AsReadOnlySpan()), SharedKeys = ByteString.CopyFrom(new byte[GatewaySharedKeys.Length]),
        }, cancellationToken: TestContext.Current.CancellationToken);
        return await Client.GetPublicKeysAsync(new ClientRef { ClientId = clientId }, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Puts a test client's keys where `nym-client init` leaves them (Nym's layout, nym-client-api.md §6), so that the
    /// KeyStore serves the keys of a <see cref="TestClient"/> that registers with the gateway itself.
    /// </summary>
    public void Adopt(string clientId, TestClient client)
    {
        var data = Path.Combine(_home.Path, "clients", clientId, "data");
        PemFile.Write(Path.Combine(data, "public_identity.pem"), Pem.Ed25519PublicKey, client.Identity.PublicKey.AsReadOnlySpan());
        PemFile.Write(Path.Combine(data, "private_identity.pem"), Pem.Ed25519PrivateKey, client.Identity.PrivateKey);
        PemFile.Write(Path.Combine(data, "public_encryption.pem"), Pem.X25519PublicKey, client.Encryption.PublicKey.AsReadOnlySpan());
        PemFile.Write(Path.Combine(data, "private_encryption.pem"), Pem.X25519PrivateKey, client.Encryption.PrivateKey);
        PemFile.Write(Path.Combine(data, "ack_key.pem"), Pem.AckKey, client.AckKey.Bytes);
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _home.Dispose();
    }
}
