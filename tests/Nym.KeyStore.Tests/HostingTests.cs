extern alias keystore;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nym.KeyStore.V1;
using keystore::Nym.KeyStore;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>
/// AddKeyStore and MapKeyStore in an app of someone else's making, as nym-client hosts the KeyStore in standalone
/// mode (DESIGN.md): the host decides where it listens; the token still guards every call.
/// </summary>
public sealed class HostingTests
{
    [Fact]
    public async Task The_KeyStore_runs_inside_another_app()
    {
        using var home = new TempDirectory();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddKeyStore(new KeyStoreOptions(home.Path, KeyStoreHost.Token));
        await using var app = builder.Build();
        app.MapKeyStore();
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var channel = GrpcChannel.ForAddress(app.Urls.Single());
        var client = new KeyStoreService.KeyStoreServiceClient(channel.CreateCallInvoker().WithServiceToken(KeyStoreHost.Token));

        var created = await client.CreateClientAsync(new CreateClientRequest { ClientId = "alice" }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(created.IdentityKey, (await client.GetPublicKeysAsync(new ClientRef { ClientId = "alice" }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken)).IdentityKey);
        Assert.True(File.Exists(Path.Combine(home.Path, "clients", "alice", "data", "private_identity.pem")));
        await RpcAssert.Refused(Grpc.Core.StatusCode.Unauthenticated, () => new KeyStoreService.KeyStoreServiceClient(channel)
            .GetPublicKeysAsync(new ClientRef { ClientId = "alice" }, deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
