extern alias nymapi;
using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Nym.Protocol.Encoding;
using Nym.Protocol.Keys;
using Nym.Topology.V1;
using nymapi::Nym.Topology;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>A directory under the system temp directory, deleted with everything in it at the end of the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nym-topology-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>
/// nym-api started in-process with its normal startup code (<see cref="TopologyApp.Build"/>) on 127.0.0.1 port 0 for
/// both endpoints, a real SQLite file, and a fake clock; reached through a real gRPC channel and a real HttpClient.
/// </summary>
internal sealed class ServiceHost : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(90);

    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private ServiceHost(WebApplication app, FakeTimeProvider time)
    {
        _app = app;
        Time = time;
        var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
        GrpcUri = endpoints.Grpc;
        HttpUri = endpoints.Http;
        _channel = GrpcChannel.ForAddress(GrpcUri);
        Client = new TopologyService.TopologyServiceClient(_channel);
        Http = new HttpClient { BaseAddress = HttpUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    public FakeTimeProvider Time { get; }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public TopologyService.TopologyServiceClient Client { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ServiceHost> StartAsync(string dataDirectory, FakeTimeProvider? time = null, TimeSpan? ttl = null, int? maxNodes = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var options = new TopologyOptions(IPAddress.Loopback, 0, 0, dataDirectory, ttl ?? DefaultTtl) { MaxNodes = maxNodes ?? TopologyState.MaxNodes };
        var app = TopologyApp.Build(options, time);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new ServiceHost(app, time);
    }

    /// <summary>Every unary call in the tests has a deadline, as DESIGN.md asks of every client.</summary>
    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(10);

    public Task<RegisterResponse> RegisterAsync(RegisterRequest request) => Client.RegisterAsync(request, deadline: Deadline).ResponseAsync;

    public Task<DeregisterResponse> DeregisterAsync(DeregisterRequest request) => Client.DeregisterAsync(request, deadline: Deadline).ResponseAsync;

    public Task<V1.Topology> GetTopologyAsync() => Client.GetTopologyAsync(new GetTopologyRequest(), deadline: Deadline).ResponseAsync;

    public async Task<byte[]> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Stops the service as SIGTERM would, leaving the client side open to see what the calls got.</summary>
    public Task StopAsync() => _app.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        Http.Dispose();
        _channel.Dispose();
    }
}

/// <summary>A node with fresh keys that signs its own requests, as a real mix node or gateway would.</summary>
internal sealed class TestNode
{
    public IdentityKeyPair Identity { get; } = IdentityKeyPair.Generate();

    public ByteString IdentityKey => ByteString.CopyFrom(Identity.PublicKey.AsReadOnlySpan());

    public ByteString SphinxKey { get; } = ByteString.CopyFrom(EncryptionKeyPair.Generate().PublicKey.AsReadOnlySpan());

    public string IdentityBase58 => Base58.Encode(IdentityKey.Span);

    public NodeDescriptor MixNode(uint layer, DateTimeOffset issuedAt, string host = "127.0.0.1", uint mixPort = 1789) => new()
    {
        Kind = NodeKind.MixNode,
        IdentityKey = IdentityKey,
        SphinxKey = SphinxKey,
        Host = host,
        MixPort = mixPort,
        Layer = layer,
        Version = "1.0.1",
        IssuedAtUnixMs = (ulong)issuedAt.ToUnixTimeMilliseconds(),
    };

    public NodeDescriptor Gateway(DateTimeOffset issuedAt, string host = "127.0.0.1", uint mixPort = 1790, uint clientsPort = 9000) => new()
    {
        Kind = NodeKind.Gateway,
        IdentityKey = IdentityKey,
        SphinxKey = SphinxKey,
        Host = host,
        MixPort = mixPort,
        ClientsPort = clientsPort,
        Version = "1.0.1",
        Location = "Nowhere",
        IssuedAtUnixMs = (ulong)issuedAt.ToUnixTimeMilliseconds(),
    };

    public RegisterRequest Register(NodeDescriptor descriptor) => SignRegistration(descriptor.ToByteString(), Identity);

    public static RegisterRequest SignRegistration(ByteString descriptor, IdentityKeyPair signer) => new()
    {
        DescriptorBytes = descriptor,
        Signature = ByteString.CopyFrom(signer.Sign([.. "nym-topology/register/v1"u8, .. descriptor.Span])),
    };

    public DeregisterRequest Deregister(DateTimeOffset issuedAt)
    {
        var issued = (ulong)issuedAt.ToUnixTimeMilliseconds();
        var signed = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(signed, issued);
        return new DeregisterRequest
        {
            IdentityKey = IdentityKey,
            IssuedAtUnixMs = issued,
            Signature = ByteString.CopyFrom(Identity.Sign([.. "nym-topology/deregister/v1"u8, .. IdentityKey.Span, .. signed])),
        };
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
