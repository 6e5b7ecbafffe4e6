using Xunit;

[assembly: AssemblyFixture(typeof(NymAspire.Deployment.Tests.DeploymentFixture))]

namespace NymAspire.Deployment.Tests;

/// <summary>The test network's rendered manifests and the AppHost's model, each made once for all tests.</summary>
public sealed class DeploymentFixture : IAsyncLifetime
{
    public const string TestNetwork = "test-network";

    /// <summary>`kubectl kustomize deploy/kubernetes/overlays/test-network`; parse a fresh copy to change it.</summary>
    public string Yaml { get; private set; } = "";

    internal IReadOnlyList<AppResource> AppHost { get; private set; } = [];

    internal Manifests Parse() => new(Yaml);

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Yaml = await Kustomize.RenderAsync(Repository.Overlay(TestNetwork), cancellationToken);
        AppHost = await AppHostModel.ReadAsync([], cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
