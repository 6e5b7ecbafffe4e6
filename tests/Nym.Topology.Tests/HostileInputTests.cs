using System.Net;
using CsCheck;
using Google.Protobuf;
using Grpc.Core;
using Nym.Topology.V1;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>Random and mutated requests get a refusal status, never an internal error, and the service keeps serving.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    // Bounded: each sample is one gRPC round trip on the loopback.
    private const int Iterations = 120;

    private readonly TempDirectory _dataDirectory = new();
    private ServiceHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServiceHost.StartAsync(_dataDirectory.Path);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dataDirectory.Dispose();
    }

    [Fact]
    public async Task Random_descriptors_and_signatures_are_refused()
    {
        await Gen.Select(Gen.Byte.Array[0, 700], Gen.Byte.Array[0, 80]).SampleAsync(
            (descriptor, signature) => ExpectRefusal(() => _host.RegisterAsync(
                new RegisterRequest { DescriptorBytes = ByteString.CopyFrom(descriptor), Signature = ByteString.CopyFrom(signature) })),
            iter: Iterations, threads: 1);

        await ExpectStillServing();
    }

    [Fact]
    public async Task Random_bytes_signed_by_a_real_key_are_refused()
    {
        var node = new TestNode();
        await Gen.Byte.Array[1, 300].SampleAsync(
            descriptor => ExpectRefusal(() => _host.RegisterAsync(TestNode.SignRegistration(ByteString.CopyFrom(descriptor), node.Identity))),
            iter: Iterations, threads: 1);

        await ExpectStillServing();
    }

    [Fact]
    public async Task Mutated_signed_descriptors_are_accepted_or_refused_but_never_crash()
    {
        var node = new TestNode();
        var valid = node.Gateway(_host.Time.GetUtcNow()).ToByteArray();
        await Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte).SampleAsync(
            async (position, value) =>
            {
                var mutated = (byte[])valid.Clone();
                mutated[position] = value;
                try
                {
                    await _host.RegisterAsync(TestNode.SignRegistration(ByteString.CopyFrom(mutated), node.Identity));
                }
                catch (RpcException e)
                {
                    Assert.Contains(e.StatusCode, new[] { StatusCode.InvalidArgument, StatusCode.Unauthenticated });
                }
            },
            iter: Iterations, threads: 1);

        await ExpectStillServing();
    }

    [Fact]
    public async Task Random_deregistrations_are_refused()
    {
        await Gen.Select(Gen.Byte.Array[0, 40], Gen.ULong, Gen.Byte.Array[0, 80]).SampleAsync(
            (key, issuedAt, signature) => ExpectRefusal(() => _host.DeregisterAsync(new DeregisterRequest
            {
                IdentityKey = ByteString.CopyFrom(key),
                IssuedAtUnixMs = issuedAt,
                Signature = ByteString.CopyFrom(signature),
            })),
            iter: Iterations, threads: 1);

        await ExpectStillServing();
    }

    private static async Task ExpectRefusal(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Contains(e.StatusCode, new[] { StatusCode.InvalidArgument, StatusCode.Unauthenticated });
        Assert.False(string.IsNullOrWhiteSpace(e.Status.Detail));
    }

    private async Task ExpectStillServing()
    {
        using var health = await _host.Http.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await _host.GetTopologyAsync();
    }
}
