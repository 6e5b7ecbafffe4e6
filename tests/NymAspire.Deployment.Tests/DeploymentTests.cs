using k8s.Models;
using Xunit;

namespace NymAspire.Deployment.Tests;

/// <summary>
/// deploy/kubernetes, rendered as `kubectl apply -k` would, against the deployment contract and the real AppHost's
/// model: whatever the AppHost runs has its workload and Service with the same ports, keys, URLs, secret and sizes.
/// </summary>
public sealed class DeploymentTests(DeploymentFixture fixture)
{
    [Fact]
    public void The_apphost_model_is_read_with_its_endpoints_and_environment()
    {
        // Guards the comparisons below against passing on an empty model.
        var api = Assert.Single(fixture.AppHost, r => r.Name == "nym-api");
        Assert.Equal("Nym.Topology", api.Project);
        Assert.Contains(new AppEndpoint("http", 8080, "NYM_HTTP_PORT"), api.Endpoints);
        var mix = Assert.Single(fixture.AppHost, r => r.Name == "mix-1-1");
        Assert.Equal(new AppReference("nym-api", "grpc"), mix.Environment["NYM_TOPOLOGY"]);
        Assert.Equal(["run", "--id", "mix-1-1", "--init-if-missing", "--layer", "1"], mix.Args);
        Assert.Equal(
            ["alice", "crypto", "gateway-1", "keystore", "mix-1-1", "mix-2-1", "mix-3-1", "nym-api"],
            fixture.AppHost.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_apphost_project_has_its_workload_and_service_with_the_same_ports_keys_urls_secret_and_size()
    {
        var problems = DeploymentCheck.AppHost(fixture.Parse(), fixture.AppHost);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_workload_matches_its_row_of_the_deployment_contract()
    {
        var manifests = fixture.Parse();
        var problems = DeploymentCheck.Contract(manifests);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        // Every service of the contract is deployed, also those the AppHost does not run yet.
        var exes = manifests.Workloads.Select(Manifests.ServiceContainer).OfType<V1Container>().Select(Manifests.Exe).ToHashSet();
        Assert.Equal(ServiceContract.All.Select(c => c.Exe).Order(), exes.Order());
    }

    [Fact]
    public void Every_container_has_probes_limits_a_locked_down_security_context_and_telemetry_configuration()
    {
        var problems = DeploymentCheck.Containers(fixture.Parse());

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_token_secret_is_read_by_exactly_the_keystore_the_crypto_service_and_the_client()
    {
        var manifests = fixture.Parse();

        var readers = manifests.Workloads.Where(w => Manifests.SecretsReadBy(w.Pod).Any()).Select(w => w.Name).Order();
        Assert.Equal(["alice", "crypto", "keystore"], readers);
        var secret = Assert.Single(manifests.Secrets);
        Assert.StartsWith("nym-service-token-", secret.Metadata.Name, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetString(secret.Data["token"]).Length >= 16, "ServiceToken.MinimumLength is 16");
    }

    [Fact]
    public async Task The_base_carries_no_secret_so_that_production_brings_its_own()
    {
        var manifests = new Manifests(await Kustomize.RenderAsync(Repository.Base, TestContext.Current.CancellationToken));

        Assert.Empty(manifests.Secrets);
        Assert.Contains(manifests.Workloads, w => Manifests.SecretsReadBy(w.Pod).Contains("nym-service-token"));
    }

    [Fact]
    public void The_clients_websocket_is_published_by_no_service_and_shielded_by_a_network_policy()
    {
        var manifests = fixture.Parse();
        var alice = manifests.Workload("StatefulSet", "alice")!;
        var client = Manifests.ServiceContainer(alice)!;

        Assert.Equal("1977", Manifests.Value(client, "NYM_CLIENT_PORT"));
        Assert.DoesNotContain(manifests.ServicesOf(alice).SelectMany(s => s.Spec.Ports), p => p.Port == 1977 || p.TargetPort?.Value is "1977" or "websocket");
        var policy = Assert.Single(manifests.NetworkPolicies, p => p.Spec.PodSelector.MatchLabels.All(l => alice.Template.Metadata.Labels[l.Key] == l.Value));
        var allowed = Assert.Single(policy.Spec.Ingress).Ports.Select(p => Manifests.ContainerPort(client, p.Port));
        Assert.Equal([int.Parse(Manifests.Value(client, "NYM_HTTP_PORT")!, System.Globalization.CultureInfo.InvariantCulture)], allowed);
    }
}
