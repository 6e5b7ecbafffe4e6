using k8s.Models;
using Xunit;

namespace NymAspire.Deployment.Tests;

/// <summary>
/// The checks catch a change made in one place and not the other: each case changes a copy of the rendered test
/// network (or of the AppHost's model) the way a careless edit would, and the comparison must name it.
/// </summary>
public sealed class MismatchTests(DeploymentFixture fixture)
{
    private delegate List<string> Check(Manifests manifests, IReadOnlyList<AppResource> appHost);

    private static readonly Check ByContract = (m, _) => DeploymentCheck.Contract(m);
    private static readonly Check ByAppHost = DeploymentCheck.AppHost;
    private static readonly Check ByContainers = (m, _) => DeploymentCheck.Containers(m);

    private static readonly Dictionary<string, (Action<Manifests> Change, Check Check, string Expected)> Changes = new()
    {
        ["nym-api's containerPort alone"] = (m => Port(m, "nym-api", "http").ContainerPort = 8090, ByContract, "no containerPort is 8080"),
        ["nym-api's HTTP port in the manifest, not in the AppHost"] = (m =>
        {
            Env(m, "nym-api", "NYM_HTTP_PORT").Value = "8090";
            Port(m, "nym-api", "http").ContainerPort = 8090;
        }, ByAppHost, "fixes endpoint http at 8080"),
        ["gateway-1's clients port, which the AppHost lets float"] = (m =>
        {
            Env(m, "gateway-1", "NYM_CLIENTS_PORT").Value = "9001";
            Port(m, "gateway-1", "clients").ContainerPort = 9001;
        }, ByContract, "the contract's port is 9000"),
        ["mix-2's topology URL on nym-api's HTTP port"] = (m => Env(m, "mix-2", "NYM_TOPOLOGY").Value = "http://nym-api:8080", ByAppHost, "NYM_TOPOLOGY is 'http://nym-api:8080'"),
        ["mix-3's StatefulSet left out"] = (m => Remove(m, "mix-3"), ByAppHost, "no StatefulSet mix-3"),
        ["mix-1's Service left out"] = (m => Remove(m, m.Service("mix-1")!), ByAppHost, "needs a Service named mix-1"),
        ["mix-1 started without its layer"] = (m => Container(m, "mix-1").Args = ["run", "--id", "$(POD_NAME)", "--init-if-missing"], ByAppHost, "--layer 1], the manifest with"),
        ["crypto without the token"] = (m => Container(m, "crypto").Env.Remove(Env(m, "crypto", "NYM_SERVICE_TOKEN")), ByContract, "needs NYM_SERVICE_TOKEN"),
        ["nym-api given the token"] = (m => Container(m, "nym-api").Env.Add(Env(m, "keystore", "NYM_SERVICE_TOKEN")), ByAppHost, "reads a Secret, but the AppHost gives it no secret"),
        ["a mistyped key on the keystore"] = (m => Env(m, "keystore", "NYM_GRPC_PORT").Name = "NYM_GRPC_PROT", ByContract, "does not read NYM_GRPC_PROT"),
        ["the keystore without its volume"] = (m => Workload(m, "keystore").ClaimTemplates.Clear(), ByContract, "keeps state"),
        ["crypto with one replica"] = (m => m.Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "crypto").Spec.Replicas = 1, ByContract, "at least 2 replicas"),
        ["alice's websocket published"] = (m => m.Service("alice")!.Spec.Ports.Add(new V1ServicePort { Name = "ws", Port = 1977 }), ByContract, "must stay private"),
        ["gateway-1 listening on loopback only"] = (m => Env(m, "gateway-1", "NYM_BIND").Value = "127.0.0.1", ByContract, "NYM_BIND must be 0.0.0.0"),
        ["gateway-1's liveness probe on /health"] = (m => Container(m, "gateway-1").LivenessProbe.HttpGet.Path = "/health", ByContainers, "liveness probe must be an HTTP GET of /alive"),
        ["alice without limits"] = (m => Container(m, "alice").Resources.Limits = null, ByContainers, "resources.limits must set cpu and memory"),
        ["mix-1 with a writable root filesystem"] = (m => Container(m, "mix-1").SecurityContext.ReadOnlyRootFilesystem = false, ByContainers, "readOnlyRootFilesystem: true"),
    };

    public static TheoryData<string> ChangeNames => [.. Changes.Keys];

    [Theory]
    [MemberData(nameof(ChangeNames))]
    public void A_change_in_one_place_only_is_caught(string change)
    {
        var (apply, check, expected) = Changes[change];
        var manifests = fixture.Parse();
        Assert.Empty(check(manifests, fixture.AppHost));

        apply(manifests);

        var problems = check(new Manifests(manifests.Objects), fixture.AppHost);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_port_changed_in_the_apphost_alone_is_caught()
    {
        var appHost = fixture.AppHost.Select(r => r.Name != "nym-api" ? r : r with
        {
            Endpoints = [.. r.Endpoints.Select(e => e.Name == "http" ? e with { FixedPort = 8090 } : e)],
        }).ToList();

        var problems = DeploymentCheck.AppHost(fixture.Parse(), appHost);

        Assert.Contains(problems, p => p.Contains("fixes endpoint http at 8090, the manifest's NYM_HTTP_PORT is 8080", StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_the_apphost_gives_a_service_that_the_manifest_does_not_is_caught()
    {
        var appHost = fixture.AppHost.Select(r => r.Name != "mix-1-1" ? r : r with { SecretKeys = new HashSet<string> { "NYM_SERVICE_TOKEN" } }).ToList();

        var problems = DeploymentCheck.AppHost(fixture.Parse(), appHost);

        Assert.Contains(problems, p => p.Contains("mix-1-1", StringComparison.Ordinal) && p.Contains("the manifest reads no Secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_larger_apphost_network_than_the_manifests_is_caught()
    {
        // The real AppHost with two mix nodes per layer and two gateways, against the test network's one of each.
        var appHost = await AppHostModel.ReadAsync(["--Network:MixNodesPerLayer=2", "--Network:Gateways=2"], TestContext.Current.CancellationToken);

        var problems = DeploymentCheck.AppHost(fixture.Parse(), appHost);

        Assert.Contains(problems, p => p.Contains("mix-1-2", StringComparison.Ordinal) && p.Contains("has no pod", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no StatefulSet gateway-2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_project_the_contract_does_not_know_is_caught()
    {
        var appHost = fixture.AppHost.Append(new AppResource("bob", "Nym.Unknown", "/nowhere/Nym.Unknown.csproj", [], new Dictionary<string, AppReference?>(), new HashSet<string>(), [], 1)).ToList();

        var problems = DeploymentCheck.AppHost(fixture.Parse(), appHost);

        Assert.Contains(problems, p => p.Contains("Nym.Unknown is not in the deployment contract", StringComparison.Ordinal));
    }

    private static Workload Workload(Manifests m, string name) => m.Workloads.Single(w => w.Name == name);

    private static V1Container Container(Manifests m, string workload) => Manifests.ServiceContainer(Workload(m, workload))!;

    private static V1EnvVar Env(Manifests m, string workload, string name) => Container(m, workload).Env.Single(e => e.Name == name);

    private static V1ContainerPort Port(Manifests m, string workload, string name) => Container(m, workload).Ports.Single(p => p.Name == name);

    private static void Remove(Manifests m, string workload) => Remove(m, m.Objects.OfType<V1StatefulSet>().Single(s => s.Metadata.Name == workload));

    private static void Remove(Manifests m, object item) => ((List<object>)m.Objects).Remove(item);
}
