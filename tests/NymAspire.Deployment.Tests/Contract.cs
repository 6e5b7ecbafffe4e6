using System.Text.RegularExpressions;

namespace NymAspire.Deployment.Tests;

/// <summary>Where the pod of one AppHost resource lives: its workload (kind and name) and the pod's name.</summary>
internal sealed record Placement(string Kind, string Workload, string? Pod);

/// <summary>
/// One row of the deployment contract (docs/deployment.md): the service a project is, the workload that runs an
/// AppHost resource of it, its endpoints' environment variables with their default ports (null: the service has no
/// usable default, the deployment picks one), which of them stay private to the pod, the NYM_* keys it understands,
/// whether it needs the service token and whether it keeps state.
/// </summary>
internal sealed partial record ServiceContract(
    string Project, string Exe, IReadOnlyDictionary<string, int?> Ports, IReadOnlySet<string> PrivatePorts,
    IReadOnlySet<string> EnvironmentKeys, bool NeedsToken, bool Stateful, Func<string, Placement> Place)
{
    public const string ImageRepositoryPrefix = "nymaspire/";

    public static readonly IReadOnlyList<ServiceContract> All =
    [
        new("Nym.Topology", "nym-api", PortTable(("NYM_HTTP_PORT", 8080), ("NYM_GRPC_PORT", 8081)), Keys(),
            Keys("NYM_BIND", "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_DATA_DIR", "NYM_HOME", "NYM_ANNOUNCE_TTL"),
            NeedsToken: false, Stateful: true, name => new("StatefulSet", name, $"{name}-0")),
        new("Nym.MixNode", "nym-mixnode", PortTable(("NYM_MIX_PORT", 1789), ("NYM_HTTP_PORT", 8000)), Keys(),
            Keys("NYM_BIND", "NYM_HOME", "NYM_HOST", "NYM_TOPOLOGY", "NYM_MIX_PORT", "NYM_HTTP_PORT", "NYM_LAYER"),
            NeedsToken: false, Stateful: true, PlaceMixNode),
        new("Nym.Gateway", "nym-gateway", PortTable(("NYM_MIX_PORT", 1789), ("NYM_CLIENTS_PORT", 9000), ("NYM_HTTP_PORT", 8000)), Keys(),
            Keys("NYM_BIND", "NYM_HOME", "NYM_HOST", "NYM_TOPOLOGY", "NYM_MIX_PORT", "NYM_CLIENTS_PORT", "NYM_HTTP_PORT"),
            NeedsToken: false, Stateful: true, name => new("StatefulSet", name, $"{name}-0")),
        new("Nym.KeyStore", "nym-keystore", PortTable(("NYM_HTTP_PORT", 8082), ("NYM_GRPC_PORT", 8083)), Keys(),
            Keys("NYM_BIND", "NYM_HOME", "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_SERVICE_TOKEN"),
            NeedsToken: true, Stateful: true, name => new("StatefulSet", name, $"{name}-0")),
        new("Nym.Crypto", "nym-crypto", PortTable(("NYM_HTTP_PORT", 8084), ("NYM_GRPC_PORT", 8085)), Keys(),
            Keys("NYM_BIND", "NYM_HTTP_PORT", "NYM_GRPC_PORT", "NYM_KEYSTORE", "NYM_TOPOLOGY", "NYM_SERVICE_TOKEN"),
            NeedsToken: true, Stateful: false, name => new("Deployment", name, null)),
        // nym-client's own HTTP port default is 0 (any free port): the deployment must pick one for its probes.
        new("Nym.Client", "nym-client", PortTable(("NYM_CLIENT_PORT", 1977), ("NYM_HTTP_PORT", null)), Keys("NYM_CLIENT_PORT"),
            Keys("NYM_BIND", "NYM_HOME", "NYM_CLIENT_PORT", "NYM_HTTP_PORT", "NYM_VALIDATORS", "NYM_KEYSTORE", "NYM_CRYPTO", "NYM_SERVICE_TOKEN"),
            NeedsToken: true, Stateful: true, name => new("StatefulSet", name, $"{name}-0")),
    ];

    /// <summary>Crypto runs at least this many replicas (DESIGN.md: as many as load needs; two so that one can go).</summary>
    public const int MinimumCryptoReplicas = 2;

    public static ServiceContract? ForProject(string project) => All.FirstOrDefault(c => c.Project == project);

    public static ServiceContract? ForExe(string exe) => All.FirstOrDefault(c => c.Exe == exe);

    /// <summary>mix-L-i runs as pod mix-L-i of the StatefulSet mix-L, whose ordinals start at 1.</summary>
    private static Placement PlaceMixNode(string name) =>
        MixNodeName().Match(name) is { Success: true } m ? new("StatefulSet", $"mix-{m.Groups[1].Value}", name) : new("StatefulSet", $"(no layer in {name})", name);

    [GeneratedRegex(@"^mix-([1-3])-[1-9][0-9]*$")]
    private static partial Regex MixNodeName();

    private static Dictionary<string, int?> PortTable(params (string Variable, int? Port)[] ports) => ports.ToDictionary(p => p.Variable, p => p.Port);

    private static HashSet<string> Keys(params string[] keys) => [.. keys];
}
