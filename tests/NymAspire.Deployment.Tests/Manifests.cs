using k8s;
using k8s.Models;

namespace NymAspire.Deployment.Tests;

/// <summary>A Deployment or StatefulSet: what the checks need of either.</summary>
internal sealed record Workload(string Kind, string Name, int Replicas, int OrdinalStart, V1PodTemplateSpec Template, IList<V1PersistentVolumeClaim> ClaimTemplates)
{
    public V1PodSpec Pod => Template.Spec;

    /// <summary>The pods' names: a StatefulSet's are its name and ordinal; a Deployment's are random.</summary>
    public IEnumerable<string> PodNames => Kind == "StatefulSet" ? Enumerable.Range(OrdinalStart, Replicas).Select(i => $"{Name}-{i}") : [];

    public override string ToString() => $"{Kind} {Name}";
}

/// <summary>The rendered output of a Kustomize directory, parsed into the Kubernetes client's typed models.</summary>
internal sealed class Manifests
{
    public Manifests(string yaml)
        : this(KubernetesYaml.LoadAllFromString(yaml))
    {
    }

    public Manifests(IReadOnlyList<object> objects)
    {
        Objects = objects;
        Workloads = [
            .. Objects.OfType<V1StatefulSet>().Select(s => new Workload("StatefulSet", s.Metadata.Name, s.Spec.Replicas ?? 1, s.Spec.Ordinals?.Start ?? 0, s.Spec.Template, s.Spec.VolumeClaimTemplates ?? [])),
            .. Objects.OfType<V1Deployment>().Select(d => new Workload("Deployment", d.Metadata.Name, d.Spec.Replicas ?? 1, 0, d.Spec.Template, [])),
        ];
    }

    public IReadOnlyList<object> Objects { get; }

    public IReadOnlyList<Workload> Workloads { get; }

    public IEnumerable<V1Service> Services => Objects.OfType<V1Service>();

    public IEnumerable<V1Secret> Secrets => Objects.OfType<V1Secret>();

    public IEnumerable<V1ConfigMap> ConfigMaps => Objects.OfType<V1ConfigMap>();

    public IEnumerable<V1NetworkPolicy> NetworkPolicies => Objects.OfType<V1NetworkPolicy>();

    public Workload? Workload(string kind, string name) => Workloads.FirstOrDefault(w => w.Kind == kind && w.Name == name);

    public V1Service? Service(string name) => Services.FirstOrDefault(s => s.Metadata.Name == name);

    /// <summary>The Services whose selector picks this workload's pods.</summary>
    public IEnumerable<V1Service> ServicesOf(Workload workload) =>
        Services.Where(s => s.Spec.Selector is { Count: > 0 } selector
            && selector.All(l => workload.Template.Metadata.Labels?.TryGetValue(l.Key, out var value) == true && value == l.Value));

    /// <summary>The container that runs the service: the one whose image is ours (an overlay may add a registry).</summary>
    public static V1Container? ServiceContainer(Workload workload) => workload.Pod.Containers.FirstOrDefault(c => OurExe(c.Image) is not null);

    /// <summary>registry.example.com:5000/nymaspire/nym-api:1.0.1 → nym-api.</summary>
    public static string Exe(V1Container container) => OurExe(container.Image) ?? "";

    private static string? OurExe(string? image)
    {
        int slash = image?.LastIndexOf('/') ?? -1;
        if (slash < 0)
        {
            return null;
        }

        string repository = image![..slash];
        return repository == ServiceContract.ImageRepositoryPrefix.TrimEnd('/') || repository.EndsWith("/" + ServiceContract.ImageRepositoryPrefix.TrimEnd('/'), StringComparison.Ordinal)
            ? image[(slash + 1)..].Split(':', '@')[0]
            : null;
    }

    /// <summary>An environment variable's literal value; null when missing or taken from elsewhere.</summary>
    public static string? Value(V1Container container, string name) => container.Env?.FirstOrDefault(e => e.Name == name)?.Value;

    /// <summary>A probe's or Service's port, given by number or by the container port's name.</summary>
    public static int? ContainerPort(V1Container container, IntOrString? port) => ContainerPort(container, port?.Value);

    /// <summary>A Service port's target in the container: its targetPort, else its own port number.</summary>
    public static int? ContainerPort(V1Container container, V1ServicePort port) =>
        ContainerPort(container, port.TargetPort?.Value ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static int? ContainerPort(V1Container container, string? value) =>
        value is null ? null
        : int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out int number) ? number
        : container.Ports?.FirstOrDefault(p => p.Name == value)?.ContainerPort;

    /// <summary>Secrets a pod reads, by environment variable, envFrom or volume.</summary>
    public static IEnumerable<string> SecretsReadBy(V1PodSpec pod) =>
        pod.Containers.Concat(pod.InitContainers ?? [])
            .SelectMany(c => (c.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef?.Name).Concat((c.EnvFrom ?? []).Select(e => e.SecretRef?.Name)))
            .Concat((pod.Volumes ?? []).Select(v => v.Secret?.SecretName))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
}
