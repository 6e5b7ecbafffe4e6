using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Node.Topology;
using Nym.Protocol.Keys;
using Nym.Topology.V1;
using Xunit;

namespace Nym.MixNode.Tests;

internal static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}

/// <summary>A mix node started in-process with the real startup code (<see cref="MixNodeApp.Build"/>) on free ports.</summary>
public sealed class RunningNode : IAsyncDisposable
{
    private RunningNode(WebApplication app, NodeConfig config, NodeKeys keys)
    {
        App = app;
        Config = config;
        Keys = keys;
    }

    public WebApplication App { get; }

    public NodeConfig Config { get; }

    public NodeKeys Keys { get; }

    public NodeMetrics Metrics => App.Services.GetRequiredService<NodeMetrics>();

    public TopologyRegistration Registration => App.Services.GetRequiredService<TopologyRegistration>();

    public IPEndPoint MixEndPoint => new(IPAddress.Loopback, Config.MixPort);

    public static async Task<RunningNode> StartAsync(int layer, string topologyUrl, Action<IServiceCollection>? configure = null)
    {
        var config = new NodeConfig
        {
            Kind = Nym.Node.NodeKind.MixNode, Id = $"mix-{layer}", Layer = layer, MixPort = Ports.Free(), HttpPort = Ports.Free(), TopologyUrl = topologyUrl,
        };
        var keys = NodeKeys.Generate();
        var app = MixNodeApp.Build(config, keys, services =>
        {
            // Quiet: the tests assert on metrics and state, not on log lines.
            services.RemoveAll<ILoggerProvider>();
            configure?.Invoke(services);
        });
        await app.StartAsync();
        return new RunningNode(app, config, keys);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>
/// A small Topology service for these tests, from the generated server base of protos/topology.proto, that checks
/// the signatures exactly as the contract says. The whole-application tests use the real service.
/// </summary>
public sealed class FakeTopologyService(TimeSpan ttl) : TopologyService.TopologyServiceBase
{
    public ConcurrentQueue<NodeDescriptor> Registrations { get; } = new();

    public ConcurrentQueue<DeregisterRequest> Deregistrations { get; } = new();

    /// <summary>Refuse every registration, as the real service refuses a bad signature or a stale one.</summary>
    public bool RefuseAll { get; set; }

    public override Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        var bytes = request.DescriptorBytes.ToByteArray();
        var descriptor = NodeDescriptor.Parser.ParseFrom(bytes);
        byte[] signed = [.. "nym-topology/register/v1"u8, .. bytes];
        if (RefuseAll || !IdentityKeyPair.Verify(descriptor.IdentityKey.Span, signed, request.Signature.Span))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "bad signature"));
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (Math.Abs(now - (long)descriptor.IssuedAtUnixMs) > 30_000)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "stale"));
        }

        Registrations.Enqueue(descriptor);
        return Task.FromResult(new RegisterResponse { ExpiresAtUnixMs = (ulong)(now + (long)ttl.TotalMilliseconds) });
    }

    public override Task<DeregisterResponse> Deregister(DeregisterRequest request, ServerCallContext context)
    {
        var issuedAt = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(issuedAt, request.IssuedAtUnixMs);
        byte[] signed = [.. "nym-topology/deregister/v1"u8, .. request.IdentityKey.Span, .. issuedAt];
        if (!IdentityKeyPair.Verify(request.IdentityKey.Span, signed, request.Signature.Span))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "bad signature"));
        }

        Deregistrations.Enqueue(request);
        return Task.FromResult(new DeregisterResponse());
    }
}

/// <summary>Hosts a <see cref="FakeTopologyService"/> over h2c on a loopback port.</summary>
public sealed class FakeTopology : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeTopology(WebApplication app, FakeTopologyService service, int port)
    {
        _app = app;
        Service = service;
        Url = $"http://127.0.0.1:{port}";
    }

    public FakeTopologyService Service { get; }

    public string Url { get; }

    public static async Task<FakeTopology> StartAsync(TimeSpan ttl, int port = 0)
    {
        port = port == 0 ? Ports.Free() : port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var service = new FakeTopologyService(ttl);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapGrpcService<FakeTopologyService>();
        await app.StartAsync();
        return new FakeTopology(app, service, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
