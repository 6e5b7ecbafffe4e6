using Google.Protobuf;
using Grpc.Core;
using Nym.Topology.V1;
using Xunit;

namespace Nym.Topology.Tests;

/// <summary>Register and Deregister over a real gRPC channel: what is accepted, and that every refusal leaves the state alone.</summary>
public sealed class RegisterTests : IAsyncLifetime
{
    private readonly TempDirectory _dataDirectory = new();
    private ServiceHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServiceHost.StartAsync(_dataDirectory.Path);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dataDirectory.Dispose();
    }

    private DateTimeOffset Now => _host.Time.GetUtcNow();

    [Fact]
    public async Task A_registered_mix_node_is_listed_until_the_ttl_from_now()
    {
        var node = new TestNode();
        var before = await _host.GetTopologyAsync();

        var response = await _host.RegisterAsync(node.Register(node.MixNode(2, Now)));

        Assert.Equal((ulong)(Now + ServiceHost.DefaultTtl).ToUnixTimeMilliseconds(), response.ExpiresAtUnixMs);
        var topology = await _host.GetTopologyAsync();
        var listed = Assert.Single(topology.MixNodes);
        Assert.Equal(node.IdentityKey, listed.IdentityKey);
        Assert.Equal(node.SphinxKey, listed.SphinxKey);
        Assert.Equal(2u, listed.Layer);
        Assert.Empty(topology.Gateways);
        Assert.True(topology.Revision > before.Revision);
    }

    [Fact]
    public async Task A_node_that_changes_kind_or_layer_is_updated_in_place()
    {
        var node = new TestNode();
        await _host.RegisterAsync(node.Register(node.MixNode(1, Now)));
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        await _host.RegisterAsync(node.Register(node.MixNode(3, Now)));
        Assert.Equal(3u, Assert.Single((await _host.GetTopologyAsync()).MixNodes).Layer);

        _host.Time.Advance(TimeSpan.FromSeconds(1));
        await _host.RegisterAsync(node.Register(node.Gateway(Now)));
        var topology = await _host.GetTopologyAsync();
        Assert.Empty(topology.MixNodes);
        Assert.Equal(node.IdentityKey, Assert.Single(topology.Gateways).IdentityKey);
    }

    [Fact]
    public async Task A_refresh_that_changes_nothing_keeps_the_revision()
    {
        var node = new TestNode();
        await _host.RegisterAsync(node.Register(node.MixNode(1, Now)));
        var first = await _host.GetTopologyAsync();

        _host.Time.Advance(TimeSpan.FromSeconds(30));
        await _host.RegisterAsync(node.Register(node.MixNode(1, Now)));

        Assert.Equal(first, await _host.GetTopologyAsync());
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("node-1.example.org")]
    [InlineData("example.org.")]
    [InlineData("10.1.2.3")]
    [InlineData("::1")]
    [InlineData("2001:db8::7")]
    public async Task Ip_literals_and_dns_names_are_accepted_as_hosts(string host)
    {
        var node = new TestNode();
        await _host.RegisterAsync(node.Register(node.MixNode(1, Now, host)));
        Assert.Equal(host, Assert.Single((await _host.GetTopologyAsync()).MixNodes).Host);
    }

    /// <summary>Each case: how to spoil a request of a fresh node, the status expected, and words the message must have.</summary>
    private static readonly Dictionary<string, (Func<TestNode, DateTimeOffset, RegisterRequest> Request, StatusCode Code, string Says)> Refusals = new()
    {
        ["signed by another key"] = ((n, t) => TestNode.SignRegistration(n.MixNode(1, t).ToByteString(), new TestNode().Identity),
            StatusCode.Unauthenticated, "signature does not verify"),
        ["descriptor changed after signing"] = ((n, t) => new RegisterRequest
            {
                DescriptorBytes = n.MixNode(2, t).ToByteString(),
                Signature = n.Register(n.MixNode(1, t)).Signature,
            },
            StatusCode.Unauthenticated, "signature does not verify"),
        ["short signature"] = ((n, t) => new RegisterRequest
            {
                DescriptorBytes = n.MixNode(1, t).ToByteString(),
                Signature = ByteString.CopyFrom(n.Register(n.MixNode(1, t)).Signature.Span[..63]),
            },
            StatusCode.InvalidArgument, "signature must be 64 bytes"),
        ["descriptor not protobuf"] = ((n, t) => TestNode.SignRegistration(ByteString.CopyFrom(0xff, 0xff, 0xff), n.Identity),
            StatusCode.InvalidArgument, "not a serialized NodeDescriptor"),
        ["empty descriptor"] = ((n, t) => TestNode.SignRegistration(ByteString.Empty, n.Identity),
            StatusCode.InvalidArgument, "descriptor is 0 bytes"),
        ["oversize descriptor"] = ((n, t) => n.Register(With(n.Gateway(t), d => d.Location = new string('x', 3000))),
            StatusCode.InvalidArgument, "descriptor is 3"),
        ["identity key of 31 bytes"] = ((n, t) => n.Register(With(n.MixNode(1, t), d => d.IdentityKey = ByteString.CopyFrom(new byte[31]))),
            StatusCode.InvalidArgument, "identity_key must be 32 bytes"),
        // y = 2: (y² − 1)/(d·y² + 1) has no square root mod p, so no x exists: 32 bytes, but not a curve point.
        ["identity key not a point"] = ((n, t) => n.Register(With(n.MixNode(1, t), d => d.IdentityKey = ByteString.CopyFrom([2, .. new byte[31]]))),
            StatusCode.InvalidArgument, "not a valid Ed25519 public key"),
        ["sphinx key of 16 bytes"] = ((n, t) => n.Register(With(n.MixNode(1, t), d => d.SphinxKey = ByteString.CopyFrom(new byte[16]))),
            StatusCode.InvalidArgument, "sphinx_key must be 32 bytes"),
        ["kind unspecified"] = ((n, t) => n.Register(With(n.MixNode(1, t), d => d.Kind = NodeKind.Unspecified)),
            StatusCode.InvalidArgument, "kind must be"),
        ["mix port 0"] = ((n, t) => n.Register(n.MixNode(1, t, mixPort: 0)), StatusCode.InvalidArgument, "mix_port must be 1 to 65535"),
        ["mix port 65536"] = ((n, t) => n.Register(n.MixNode(1, t, mixPort: 65536)), StatusCode.InvalidArgument, "mix_port must be 1 to 65535"),
        ["gateway clients port 0"] = ((n, t) => n.Register(n.Gateway(t, clientsPort: 0)), StatusCode.InvalidArgument, "clients_port must be 1 to 65535"),
        ["layer 0"] = ((n, t) => n.Register(n.MixNode(0, t)), StatusCode.InvalidArgument, "layer must be 1, 2 or 3"),
        ["layer 4"] = ((n, t) => n.Register(n.MixNode(4, t)), StatusCode.InvalidArgument, "layer must be 1, 2 or 3"),
        ["host empty"] = ((n, t) => n.Register(n.MixNode(1, t, "")), StatusCode.InvalidArgument, "host is empty"),
        ["host with a space"] = ((n, t) => n.Register(n.MixNode(1, t, "bad host.example")), StatusCode.InvalidArgument, "host is not a DNS name"),
        ["host of 254 characters"] = ((n, t) => n.Register(n.MixNode(1, t, string.Join('.', Enumerable.Repeat(new string('a', 50), 5)) + ".abcd")),
            StatusCode.InvalidArgument, "more than the 253"),
        ["host label of 64 characters"] = ((n, t) => n.Register(n.MixNode(1, t, new string('a', 64) + ".example")), StatusCode.InvalidArgument, "1 to 63 characters"),
        ["host with a port"] = ((n, t) => n.Register(n.MixNode(1, t, "10.1.2.3:1789")), StatusCode.InvalidArgument, "neither an IPv6 address"),
        ["host of three numbers"] = ((n, t) => n.Register(n.MixNode(1, t, "10.1.2")), StatusCode.InvalidArgument, "neither an IPv4 address"),
        ["host 0.0.0.0"] = ((n, t) => n.Register(n.MixNode(1, t, "0.0.0.0")), StatusCode.InvalidArgument, "unspecified address"),
        ["version empty"] = ((n, t) => n.Register(With(n.MixNode(1, t), d => d.Version = "")), StatusCode.InvalidArgument, "version must be"),
        ["version too long"] = ((n, t) => n.Register(With(n.MixNode(1, t), d => d.Version = "1.0." + new string('9', 40))), StatusCode.InvalidArgument, "version must be"),
        ["location with a newline"] = ((n, t) => n.Register(With(n.Gateway(t), d => d.Location = "a\nb")), StatusCode.InvalidArgument, "location must be"),
        ["issued 6 minutes ago"] = ((n, t) => n.Register(n.MixNode(1, t - TimeSpan.FromMinutes(6))), StatusCode.InvalidArgument, "within 5 minutes"),
        ["issued 6 minutes ahead"] = ((n, t) => n.Register(n.MixNode(1, t + TimeSpan.FromMinutes(6))), StatusCode.InvalidArgument, "within 5 minutes"),
    };

    public static TheoryData<string> RefusalCases => new(Refusals.Keys);

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public async Task A_bad_registration_is_refused_with_its_reason_and_changes_nothing(string name)
    {
        var (request, code, says) = Refusals[name];
        var node = new TestNode();
        var before = await _host.GetTopologyAsync();
        var allBefore = await _host.GetJsonAsync("/v1/mixnodes");

        var refused = await RpcAssert.Refused(code, () => _host.RegisterAsync(request(node, Now)));

        Assert.Contains(says, refused.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(node.IdentityBase58, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await _host.GetTopologyAsync());
        Assert.Equal(allBefore, await _host.GetJsonAsync("/v1/mixnodes"));
    }

    [Fact]
    public async Task A_replayed_or_older_registration_is_refused_and_changes_nothing()
    {
        var node = new TestNode();
        var first = node.Register(node.MixNode(1, Now - TimeSpan.FromSeconds(10)));
        await _host.RegisterAsync(first);
        var accepted = await _host.GetTopologyAsync();

        var replayed = await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.RegisterAsync(first));
        Assert.Contains("not newer", replayed.Status.Detail, StringComparison.Ordinal);
        // Older, though within the freshness window, and saying something else: still refused.
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.RegisterAsync(node.Register(node.MixNode(3, Now - TimeSpan.FromSeconds(20)))));

        Assert.Equal(accepted, await _host.GetTopologyAsync());
    }

    [Fact]
    public async Task Deregister_removes_the_node_and_refuses_its_old_requests()
    {
        var node = new TestNode();
        var registration = node.Register(node.MixNode(1, Now));
        await _host.RegisterAsync(registration);
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        var deregistration = node.Deregister(Now);

        await _host.DeregisterAsync(deregistration);

        Assert.Empty((await _host.GetTopologyAsync()).MixNodes);
        Assert.Equal("[]", System.Text.Encoding.UTF8.GetString(await _host.GetJsonAsync("/v1/mixnodes")));
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.DeregisterAsync(deregistration));
        // The registration it replaced cannot bring the node back.
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.RegisterAsync(registration));
        Assert.Empty((await _host.GetTopologyAsync()).MixNodes);
    }

    [Fact]
    public async Task A_bad_deregistration_is_refused_and_the_node_stays()
    {
        var node = new TestNode();
        await _host.RegisterAsync(node.Register(node.MixNode(1, Now)));
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        var before = await _host.GetTopologyAsync();

        var forged = node.Deregister(Now);
        forged.Signature = new TestNode().Deregister(Now).Signature;
        await RpcAssert.Refused(StatusCode.Unauthenticated, () => _host.DeregisterAsync(forged));

        var otherTime = node.Deregister(Now);
        otherTime.IssuedAtUnixMs++;
        await RpcAssert.Refused(StatusCode.Unauthenticated, () => _host.DeregisterAsync(otherTime));

        var stale = await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.DeregisterAsync(node.Deregister(Now - TimeSpan.FromMinutes(6))));
        Assert.Contains("within 5 minutes", stale.Status.Detail, StringComparison.Ordinal);

        var shortKey = node.Deregister(Now);
        shortKey.IdentityKey = ByteString.CopyFrom(shortKey.IdentityKey.Span[..16]);
        await RpcAssert.Refused(StatusCode.InvalidArgument, () => _host.DeregisterAsync(shortKey));

        Assert.Equal(before, await _host.GetTopologyAsync());
    }

    private static NodeDescriptor With(NodeDescriptor descriptor, Action<NodeDescriptor> change)
    {
        change(descriptor);
        return descriptor;
    }
}
