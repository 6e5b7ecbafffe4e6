using System.Net;
using Nym.Protocol.Addressing;
using Nym.Protocol.Encoding;
using Nym.Sphinx;

namespace Nym.Protocol.Topology;

/// <summary>A mix node as a client routes through it.</summary>
public sealed record MixNode(Bytes32 IdentityKey, Bytes32 SphinxKey, int Layer, string Host, NymNodeRoutingAddress MixAddress, string Version)
{
    public SphinxHop ToHop() => new(MixAddress.ToSphinxAddress(), SphinxKey);
}

/// <summary>A gateway: the last hop of every route, and the websocket endpoint of its clients.</summary>
public sealed record GatewayNode(Bytes32 IdentityKey, Bytes32 SphinxKey, string Host, NymNodeRoutingAddress MixAddress, ushort ClientsPort, string Version)
{
    /// <summary>Where clients connect: <c>ws://host:clients_port</c> (nym-mixnet.md §5); an IPv6 host is bracketed.</summary>
    public string ClientsUrl => new UriBuilder("ws", Host, ClientsPort).Uri.ToString().TrimEnd('/');

    public SphinxHop ToHop() => new(MixAddress.ToSphinxAddress(), SphinxKey);
}

/// <summary>
/// The network as a client sees it (nym-mixnet.md §7): mix nodes on layers 1, 2 and 3 and the gateways, built from
/// the validator API's bonds with Nym's filtering, and the uniform route choice of §3.
/// </summary>
public sealed class NymTopology
{
    /// <summary>Nym's balance rule: a layer with fewer than 15% or more than 66% of the mix nodes is suspicious.</summary>
    private const double MinimumLayerShare = 0.15, MaximumLayerShare = 0.66;

    private readonly MixNode[][] _layers;
    private readonly Dictionary<Bytes32, GatewayNode> _gatewaysByIdentity;

    private NymTopology(MixNode[][] layers, GatewayNode[] gateways)
    {
        _layers = layers;
        Gateways = gateways;
        _gatewaysByIdentity = gateways.GroupBy(g => g.IdentityKey).ToDictionary(g => g.Key, g => g.First());
    }

    public IReadOnlyList<GatewayNode> Gateways { get; }

    public IReadOnlyList<MixNode> Layer(int layer) => _layers[layer - 1];

    public int MixNodeCount => _layers.Sum(l => l.Length);

    public GatewayNode? FindGateway(in Bytes32 identity) => _gatewaysByIdentity.GetValueOrDefault(identity);

    /// <summary>
    /// Builds a topology from bonds, dropping (as Nym does) bonds on a layer outside 1–3, with malformed keys or
    /// hosts, or of another major.minor version than <paramref name="clientVersion"/>. Fails, with a reason, when a
    /// layer is empty or out of balance or no gateway is left: the caller then keeps its previous topology.
    /// </summary>
    /// <param name="resolve">turns a host that is not an IP literal into an address (resolved once, here); null
    /// means such hosts are dropped.</param>
    public static bool TryBuild(
        IEnumerable<MixNodeBond> mixNodes, IEnumerable<GatewayBond> gateways, string clientVersion,
        Func<string, IPAddress?>? resolve, out NymTopology? topology, out string error)
    {
        topology = null;
        var layers = new List<MixNode>[] { [], [], [] };
        foreach (var bond in mixNodes)
        {
            var d = bond.MixNode;
            if (bond.Layer is >= 1 and <= 3
                && d is not null
                && SameRelease(d.Version, clientVersion)
                && TryIdentityKey(d.IdentityKey, out var identity) && TryKey(d.SphinxKey, out var sphinx)
                && TryAddress(d.Host, d.MixPort, resolve, out var address))
            {
                layers[bond.Layer - 1].Add(new MixNode(identity, sphinx, bond.Layer, d.Host, address, d.Version));
            }
        }

        var usableGateways = new List<GatewayNode>();
        foreach (var bond in gateways)
        {
            var d = bond.Gateway;
            if (d is not null
                && SameRelease(d.Version, clientVersion)
                && TryIdentityKey(d.IdentityKey, out var identity) && TryKey(d.SphinxKey, out var sphinx)
                && TryAddress(d.Host, d.MixPort, resolve, out var address))
            {
                usableGateways.Add(new GatewayNode(identity, sphinx, d.Host, address, d.ClientsPort, d.Version));
            }
        }

        int total = layers.Sum(l => l.Count);
        for (int i = 0; i < 3; i++)
        {
            if (layers[i].Count == 0)
            {
                error = $"layer {i + 1} has no usable mix node";
                return false;
            }

            double share = (double)layers[i].Count / total;
            if (share is < MinimumLayerShare or > MaximumLayerShare)
            {
                error = $"layer {i + 1} holds {share * 100:0}% of the mix nodes, outside the 15–66% Nym accepts";
                return false;
            }
        }

        if (usableGateways.Count == 0)
        {
            error = "there is no usable gateway";
            return false;
        }

        topology = new NymTopology(layers.Select(l => l.ToArray()).ToArray(), usableGateways.ToArray());
        error = "";
        return true;
    }

    /// <summary>
    /// Fills <paramref name="route"/> (4 hops) with one uniformly chosen mix per layer 1 → 2 → 3 and then the gateway
    /// <paramref name="gatewayIdentity"/> (nym-mixnet.md §3). False when that gateway is not in the topology.
    /// </summary>
    public bool TryChooseRoute(in Bytes32 gatewayIdentity, Random random, Span<SphinxHop> route)
    {
        if (route.Length != 4)
        {
            throw new ArgumentException("A Nym route has 3 mixes and a gateway.", nameof(route));
        }

        if (FindGateway(gatewayIdentity) is not { } gateway)
        {
            return false;
        }

        for (int layer = 0; layer < 3; layer++)
        {
            var nodes = _layers[layer];
            route[layer] = nodes[random.Next(nodes.Length)].ToHop();
        }

        route[3] = gateway.ToHop();
        return true;
    }

    private static bool SameRelease(string? version, string clientVersion)
    {
        static string? MajorMinor(string? v) => v?.Split('.') is [var major, var minor, ..] ? $"{major}.{minor}" : null;
        var ours = MajorMinor(clientVersion);
        return ours is not null && MajorMinor(version) == ours;
    }

    private static bool TryKey(string? base58, out Bytes32 key)
    {
        key = default;
        Span<byte> bytes = stackalloc byte[32];
        if (base58 is null || !Base58.TryDecodeExact(base58, bytes))
        {
            return false;
        }

        key = Bytes32.From(bytes);
        return true;
    }

    /// <summary>An identity key must also be an Ed25519 point, as ed25519-dalek checks when Nym parses it.</summary>
    private static bool TryIdentityKey(string? base58, out Bytes32 key) =>
        TryKey(base58, out key) && Ed25519Point.CanDecompress(key.AsReadOnlySpan());

    private static bool TryAddress(string? host, ushort port, Func<string, IPAddress?>? resolve, out NymNodeRoutingAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(host))
        {
            return false;
        }

        if (Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.Basic)
        {
            return false;
        }

        IPAddress? ip;
        try
        {
            ip = IPAddress.TryParse(host, out var literal) ? literal : resolve?.Invoke(host);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
        {
            // An unknown host drops its bond, as Nym does, not the whole topology.
            ip = null;
        }

        if (ip is null)
        {
            return false;
        }

        address = NymNodeRoutingAddress.FromEndPoint(new IPEndPoint(ip, port));
        return true;
    }
}
