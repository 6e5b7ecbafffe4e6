using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace NymAspire.Deployment.Tests;

/// <summary>One endpoint of an AppHost resource: its name, the port the AppHost fixes (null: allocated), and the
/// environment variable through which the service is told its port.</summary>
internal sealed record AppEndpoint(string Name, int? FixedPort, string? EnvironmentVariable);

/// <summary>An environment value that points at another resource's endpoint (a URL such as NYM_TOPOLOGY).</summary>
internal sealed record AppReference(string Resource, string Endpoint);

/// <summary>
/// What the AppHost says about one project resource, read from its real model without starting anything:
/// <paramref name="Project"/> is the project file's name (Nym.Topology), <paramref name="Environment"/> the NYM_*
/// keys it sets (with the endpoint a key's URL points at, if any), <paramref name="SecretKeys"/> the keys whose value
/// is a secret parameter.
/// </summary>
internal sealed record AppResource(
    string Name, string Project, string ProjectPath, IReadOnlyList<AppEndpoint> Endpoints, IReadOnlyDictionary<string, AppReference?> Environment,
    IReadOnlySet<string> SecretKeys, IReadOnlyList<string> Args, int Replicas);

internal static class AppHostModel
{
    /// <summary>Builds the AppHost's model as `dotnet run -- args` would, in publish mode so that no endpoint needs allocating.</summary>
    public static async Task<IReadOnlyList<AppResource>> ReadAsync(string[] args, CancellationToken cancellationToken)
    {
        await using var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.NymAspire_AppHost>(args, cancellationToken);
        var publish = new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish);
        var resources = new List<AppResource>();
        foreach (var project in appHost.Resources.OfType<ProjectResource>())
        {
            resources.Add(await ReadAsync(project, publish, cancellationToken));
        }

        return resources;
    }

    private static async Task<AppResource> ReadAsync(ProjectResource project, DistributedApplicationExecutionContext publish, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, object>();
        var environmentContext = new EnvironmentCallbackContext(publish, project, values, cancellationToken);
        foreach (var callback in project.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(environmentContext);
        }

        var arguments = new List<object>();
        var argumentsContext = new CommandLineArgsCallbackContext(arguments, project, cancellationToken);
        foreach (var callback in project.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(argumentsContext);
        }

        // An endpoint's port reaches the service as an environment variable whose value is that endpoint's port.
        var portVariables = values
            .Where(v => v.Value is EndpointReferenceExpression e && e.Endpoint.Resource == project)
            .ToDictionary(v => ((EndpointReferenceExpression)v.Value).Endpoint.EndpointName, v => v.Key, StringComparer.Ordinal);
        var endpoints = project.Annotations.OfType<EndpointAnnotation>()
            .Select(e => new AppEndpoint(e.Name, e.TargetPort ?? e.Port, portVariables.GetValueOrDefault(e.Name)))
            .ToList();

        var environment = values
            .Where(v => v.Key.StartsWith("NYM_", StringComparison.Ordinal) && !portVariables.ContainsValue(v.Key))
            .ToDictionary(v => v.Key, v => ReferenceIn(v.Value), StringComparer.Ordinal);
        var secretKeys = values.Where(v => IsSecret(v.Value)).Select(v => v.Key).ToHashSet(StringComparer.Ordinal);

        return new AppResource(
            project.Name, Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath), project.GetProjectMetadata().ProjectPath, endpoints, environment, secretKeys,
            arguments.Select(a => a.ToString() ?? "").ToList(),
            project.Annotations.OfType<ReplicaAnnotation>().Select(r => r.Replicas).DefaultIfEmpty(1).Max());
    }

    private static AppReference? ReferenceIn(object value) => value switch
    {
        EndpointReference e => new AppReference(e.Resource.Name, e.EndpointName),
        EndpointReferenceExpression e => new AppReference(e.Endpoint.Resource.Name, e.Endpoint.EndpointName),
        IValueWithReferences v => v.References.Select(ReferenceIn).FirstOrDefault(r => r is not null),
        _ => null,
    };

    private static bool IsSecret(object value) => value switch
    {
        ParameterResource p => p.Secret,
        IValueWithReferences v => v.References.Any(IsSecret),
        _ => false,
    };
}
