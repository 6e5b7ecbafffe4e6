using Grpc.Core;
using Xunit;

namespace Nym.KeyStore.Tests;

/// <summary>keystore.proto "Access": without the deployment's token every RPC is UNAUTHENTICATED and nothing is touched.</summary>
public sealed class TokenTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789abcdef")]
    [InlineData("")]
    [InlineData(KeyStoreHost.Token + "x")]
    public async Task Every_RPC_without_the_token_is_UNAUTHENTICATED_and_creates_no_file(string? token)
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path);
        await host.CreateAsync("alice");
        var before = Directory.GetFiles(home.Path, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".pem", StringComparison.Ordinal)).Order().ToArray();
        var outsider = host.ClientWith(token);

        foreach (var id in new[] { "alice", "bob" })
        {
            foreach (var call in ClientTests.EveryCall(outsider, id))
            {
                var e = await RpcAssert.Refused(StatusCode.Unauthenticated, call);
                Assert.DoesNotContain(id, e.Status.Detail, StringComparison.Ordinal);
            }
        }

        Assert.Equal(before, Directory.GetFiles(home.Path, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".pem", StringComparison.Ordinal)).Order());
        Assert.False(Directory.Exists(Path.Combine(home.Path, "clients", "bob")));
        await RpcAssert.Refused(StatusCode.FailedPrecondition, () => host.GetGatewayKeysAsync("alice"));
    }

    [Fact]
    public async Task A_request_larger_than_the_service_reads_without_the_token_is_UNAUTHENTICATED_before_it_is_read()
    {
        using var home = new TempDirectory();
        await using var host = await KeyStoreHost.StartAsync(home.Path);

        // 2 MiB, twice the KeyStore's largest request: read, it would be RESOURCE_EXHAUSTED; refused from its headers, it
        // is UNAUTHENTICATED and the body is never read.
        var e = await RpcAssert.Refused(StatusCode.Unauthenticated, () => host.ClientWith(null).SignAsync(
            new KeyStore.V1.SignRequest { ClientId = "alice", Message = Google.Protobuf.ByteString.CopyFrom(new byte[2 * 1024 * 1024]) },
            deadline: KeyStoreHost.Deadline, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);
        Assert.Contains("NYM_SERVICE_TOKEN", e.Status.Detail, StringComparison.Ordinal);
    }
}
