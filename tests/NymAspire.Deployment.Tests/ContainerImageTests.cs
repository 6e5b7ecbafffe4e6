using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit;

namespace NymAspire.Deployment.Tests;

/// <summary>
/// The images the manifests run are the ones `dotnet publish -t:PublishContainer` makes of the AppHost's projects:
/// the container properties are read from each project by MSBuild (publishing needs a container runtime, which these
/// machines do not have).
/// </summary>
public sealed class ContainerImageTests(DeploymentFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Every_apphost_project_publishes_the_image_user_and_ports_its_workload_uses()
    {
        var manifests = fixture.Parse();
        foreach (var project in fixture.AppHost.GroupBy(r => r.ProjectPath))
        {
            var contract = ServiceContract.ForProject(project.First().Project)!;
            var workload = manifests.Workloads.First(w => Manifests.ServiceContainer(w) is { } c && Manifests.Exe(c) == contract.Exe);
            var container = Manifests.ServiceContainer(workload)!;
            using var properties = await ContainerPropertiesAsync(project.Key, TestContext.Current.CancellationToken);
            var values = properties.RootElement.GetProperty("Properties");

            Assert.Equal(container.Image, $"{values.GetProperty("ContainerRepository").GetString()}:{values.GetProperty("ContainerImageTag").GetString()}");
            Assert.Equal(workload.Pod.SecurityContext.RunAsUser, long.Parse(values.GetProperty("ContainerUser").GetString()!, CultureInfo.InvariantCulture));
            var exposed = properties.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray()
                .Select(p => int.Parse(p.GetProperty("Identity").GetString()!, CultureInfo.InvariantCulture)).ToHashSet();
            var published = contract.Ports.Where(p => !contract.PrivatePorts.Contains(p.Key)).Select(p => p.Value).OfType<int>();
            Assert.Subset(exposed, published.ToHashSet());
        }
    }

    private static async Task<JsonDocument> ContainerPropertiesAsync(string projectPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "msbuild", projectPath, "-getProperty:ContainerRepository", "-getProperty:ContainerImageTag", "-getProperty:ContainerUser", "-getItem:ContainerPort" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet msbuild {projectPath} took longer than {Patience}.");
        }

        Assert.True(process.ExitCode == 0, $"dotnet msbuild {projectPath} failed: {await error}{await output}");
        return JsonDocument.Parse(await output);
    }
}
