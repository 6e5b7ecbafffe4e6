using System.Globalization;
using k8s.Models;

namespace NymAspire.Deployment.Tests;

/// <summary>
/// Compares rendered manifests with the deployment contract and with the AppHost's model. Every method returns the
/// problems found, each a sentence naming the workload and what to change, so that a failing test says what to fix.
/// </summary>
internal static class DeploymentCheck
{
    private const string TokenVariable = "NYM_SERVICE_TOKEN";
    private const string TelemetryVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>What every container of every workload must have: probes, limits, a locked-down security context,
    /// writable storage only on volumes, telemetry configuration from a ConfigMap.</summary>
    public static List<string> Containers(Manifests manifests)
    {
        var problems = new List<string>();
        foreach (var workload in manifests.Workloads)
        {
            var pod = workload.Pod;
            foreach (var container in pod.Containers)
            {
                string where = $"{workload} container {container.Name}";
                if (container.ReadinessProbe?.HttpGet?.Path != "/health")
                {
                    problems.Add($"{where}: its readiness probe must be an HTTP GET of /health.");
                }

                if (container.LivenessProbe?.HttpGet?.Path != "/alive")
                {
                    problems.Add($"{where}: its liveness probe must be an HTTP GET of /alive.");
                }

                foreach (var (kind, amounts) in new[] { ("requests", container.Resources?.Requests), ("limits", container.Resources?.Limits) })
                {
                    if (amounts is null || !amounts.ContainsKey("cpu") || !amounts.ContainsKey("memory"))
                    {
                        problems.Add($"{where}: resources.{kind} must set cpu and memory.");
                    }
                }

                var security = container.SecurityContext;
                if ((security?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) != true)
                {
                    problems.Add($"{where}: runAsNonRoot must be true (pod or container securityContext).");
                }

                if (security?.ReadOnlyRootFilesystem != true || security.AllowPrivilegeEscalation != false)
                {
                    problems.Add($"{where}: securityContext must set readOnlyRootFilesystem: true and allowPrivilegeEscalation: false.");
                }

                problems.AddRange(Storage(workload, container, where));
                if (!TelemetryFromConfigMap(manifests, container))
                {
                    problems.Add($"{where}: {TelemetryVariable} must come from a ConfigMap that sets it (envFrom or configMapKeyRef).");
                }
            }
        }

        return problems;
    }

    /// <summary>Each workload of ours (by its image) against its row of the contract.</summary>
    public static List<string> Contract(Manifests manifests)
    {
        var problems = new List<string>();
        foreach (var workload in manifests.Workloads)
        {
            if (Manifests.ServiceContainer(workload) is not { } container)
            {
                problems.Add($"{workload}: no container runs a {ServiceContract.ImageRepositoryPrefix}* image.");
                continue;
            }

            string exe = Manifests.Exe(container);
            if (ServiceContract.ForExe(exe) is not { } contract)
            {
                problems.Add($"{workload}: the image {container.Image} is none of the contract's services.");
                continue;
            }

            problems.AddRange(Ports(manifests, workload, container, contract));
            problems.AddRange(Token(manifests, workload, container, contract));
            problems.AddRange(State(workload, container, contract));
            foreach (var key in (container.Env ?? []).Select(e => e.Name).Where(n => n.StartsWith("NYM_", StringComparison.Ordinal)))
            {
                if (!contract.EnvironmentKeys.Contains(key))
                {
                    problems.Add($"{workload}: {exe} does not read {key}; the contract's keys are {string.Join(", ", contract.EnvironmentKeys.Order())}.");
                }
            }

            if (Manifests.Value(container, "NYM_BIND") is not ("0.0.0.0" or "::"))
            {
                problems.Add($"{workload}: NYM_BIND must be 0.0.0.0 or :: so that probes and peers reach the pod's address (the default 127.0.0.1 is the pod's loopback only).");
            }

            if (contract.Exe == "nym-crypto")
            {
                if (workload.Replicas < ServiceContract.MinimumCryptoReplicas)
                {
                    problems.Add($"{workload}: crypto needs at least {ServiceContract.MinimumCryptoReplicas} replicas, has {workload.Replicas}.");
                }

                if (manifests.ServicesOf(workload).Any(s => s.Spec.ClusterIP != "None"))
                {
                    problems.Add($"{workload}: its Services must be headless (clusterIP: None) so that callers balance their long-lived HTTP/2 connections over every replica.");
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// The manifests against the AppHost's model: each project resource has its workload and Service, with the same
    /// ports (fixed ones equal), environment keys, URLs to the same services, secret, arguments and size.
    /// </summary>
    public static List<string> AppHost(Manifests manifests, IReadOnlyList<AppResource> resources)
    {
        var problems = new List<string>();
        foreach (var resource in resources)
        {
            if (ServiceContract.ForProject(resource.Project) is not { } contract)
            {
                problems.Add($"AppHost resource {resource.Name}: its project {resource.Project} is not in the deployment contract (ServiceContract.All) nor in deploy/kubernetes.");
                continue;
            }

            var placement = contract.Place(resource.Name);
            if (manifests.Workload(placement.Kind, placement.Workload) is not { } workload || Manifests.ServiceContainer(workload) is not { } container)
            {
                problems.Add($"AppHost resource {resource.Name}: no {placement.Kind} {placement.Workload} running {ServiceContract.ImageRepositoryPrefix}{contract.Exe} in deploy/kubernetes.");
                continue;
            }

            string where = $"AppHost resource {resource.Name} ({workload})";
            if (Manifests.Exe(container) != contract.Exe)
            {
                problems.Add($"{where}: runs {container.Image}, not {ServiceContract.ImageRepositoryPrefix}{contract.Exe}.");
            }

            if (placement.Pod is { } podName && !workload.PodNames.Contains(podName))
            {
                problems.Add($"{where}: has no pod {podName} (ordinals from {workload.OrdinalStart}, {workload.Replicas} replicas).");
            }

            if (manifests.Service(placement.Workload) is null || !manifests.ServicesOf(workload).Any())
            {
                problems.Add($"{where}: needs a Service named {placement.Workload} that selects its pods.");
            }

            if (workload.Replicas < resource.Replicas && placement.Pod is null)
            {
                problems.Add($"{where}: the AppHost runs {resource.Replicas} replicas, the manifest {workload.Replicas}.");
            }

            foreach (var endpoint in resource.Endpoints)
            {
                if (endpoint.EnvironmentVariable is null)
                {
                    problems.Add($"{where}: the AppHost's endpoint {endpoint.Name} has no environment variable, so nothing tells the service its port in a pod; give it one (WithEndpoint(env: ...)).");
                }
                else if (endpoint.FixedPort is { } fixedPort && PortOf(container, endpoint.EnvironmentVariable) != fixedPort)
                {
                    problems.Add($"{where}: the AppHost fixes endpoint {endpoint.Name} at {fixedPort}, the manifest's {endpoint.EnvironmentVariable} is {Manifests.Value(container, endpoint.EnvironmentVariable) ?? "not set"}.");
                }
            }

            foreach (var (key, reference) in resource.Environment)
            {
                if (container.Env?.Any(e => e.Name == key) != true)
                {
                    problems.Add($"{where}: the AppHost sets {key}, the manifest does not.");
                }
                else if (reference is not null)
                {
                    problems.AddRange(Url(manifests, resources, where, key, Manifests.Value(container, key), reference));
                }
            }

            bool readsToken = Manifests.SecretsReadBy(workload.Pod).Any();
            if (readsToken != resource.SecretKeys.Count > 0)
            {
                problems.Add(readsToken
                    ? $"{where}: reads a Secret, but the AppHost gives it no secret parameter."
                    : $"{where}: the AppHost gives it the secret {string.Join(", ", resource.SecretKeys)}, the manifest reads no Secret.");
            }

            foreach (var key in resource.SecretKeys.Where(k => container.Env?.FirstOrDefault(e => e.Name == k)?.ValueFrom?.SecretKeyRef is null))
            {
                problems.Add($"{where}: {key} must come from the Secret (secretKeyRef), as the AppHost's secret parameter does.");
            }

            var expectedArgs = resource.Args;
            var actualArgs = (container.Args ?? []).Select(a => placement.Pod is { } pod ? a.Replace("$(POD_NAME)", pod, StringComparison.Ordinal) : a).ToList();
            if (!expectedArgs.SequenceEqual(actualArgs))
            {
                problems.Add($"{where}: the AppHost runs it with [{string.Join(' ', expectedArgs)}], the manifest with [{string.Join(' ', actualArgs)}].");
            }
        }

        // Sizes: where the AppHost has a project at all, the manifests run exactly its resources of that project.
        foreach (var group in resources.GroupBy(r => r.Project))
        {
            if (ServiceContract.ForProject(group.Key) is not { Place: var place } contract)
            {
                continue;
            }

            var expected = group.Select(r => place(r.Name)).Where(p => p.Pod is not null).Select(p => p.Pod!).ToHashSet(StringComparer.Ordinal);
            var actual = manifests.Workloads
                .Where(w => Manifests.ServiceContainer(w) is { } c && Manifests.Exe(c) == contract.Exe)
                .SelectMany(w => w.PodNames)
                .ToHashSet(StringComparer.Ordinal);
            if (expected.Count > 0 && !expected.SetEquals(actual))
            {
                problems.Add($"{contract.Exe}: the AppHost runs {string.Join(", ", expected.Order())}, the manifests {string.Join(", ", actual.Order())}.");
            }
        }

        return problems;
    }

    private static IEnumerable<string> Ports(Manifests manifests, Workload workload, V1Container container, ServiceContract contract)
    {
        var services = manifests.ServicesOf(workload).ToList();
        foreach (var (variable, defaultPort) in contract.Ports)
        {
            if (PortOf(container, variable) is not { } port)
            {
                yield return $"{workload}: {variable} must be set to a port number (the contract's default: {defaultPort?.ToString(CultureInfo.InvariantCulture) ?? "none, pick one"}).";
                continue;
            }

            if (defaultPort is { } expected && port != expected)
            {
                yield return $"{workload}: {variable} is {port}, the contract's port is {expected}.";
            }

            if (container.Ports?.Any(p => p.ContainerPort == port) != true)
            {
                yield return $"{workload}: {variable} is {port}, but no containerPort is {port}.";
            }

            bool published = services.Any(s => s.Spec.Ports.Any(p => Manifests.ContainerPort(container, p) == port));
            if (contract.PrivatePorts.Contains(variable) && published)
            {
                yield return $"{workload}: port {port} ({variable}) must stay private to the pod, but a Service publishes it.";
            }
            else if (!contract.PrivatePorts.Contains(variable) && !published)
            {
                yield return $"{workload}: no Service publishes port {port} ({variable}).";
            }
        }

        int? httpPort = PortOf(container, "NYM_HTTP_PORT");
        foreach (var (name, probe) in new[] { ("readiness", container.ReadinessProbe), ("liveness", container.LivenessProbe) })
        {
            if (probe?.HttpGet is { } get && Manifests.ContainerPort(container, get.Port) != httpPort)
            {
                yield return $"{workload}: the {name} probe must use the HTTP endpoint's port (NYM_HTTP_PORT {httpPort}).";
            }
        }
    }

    private static IEnumerable<string> Token(Manifests manifests, Workload workload, V1Container container, ServiceContract contract)
    {
        var secrets = Manifests.SecretsReadBy(workload.Pod).ToList();
        if (!contract.NeedsToken)
        {
            if (secrets.Count > 0)
            {
                yield return $"{workload}: {contract.Exe} needs no service token, but reads the Secret {string.Join(", ", secrets)}.";
            }

            yield break;
        }

        if (container.Env?.FirstOrDefault(e => e.Name == TokenVariable)?.ValueFrom?.SecretKeyRef is not { } reference)
        {
            yield return $"{workload}: {contract.Exe} needs {TokenVariable} from the token Secret (secretKeyRef).";
        }
        else if (manifests.Secrets.FirstOrDefault(s => s.Metadata.Name == reference.Name) is not { } secret
            || !((secret.Data?.ContainsKey(reference.Key) ?? false) || (secret.StringData?.ContainsKey(reference.Key) ?? false)))
        {
            yield return $"{workload}: {TokenVariable} refers to key {reference.Key} of Secret {reference.Name}, which the rendered output does not contain.";
        }
    }

    private static IEnumerable<string> State(Workload workload, V1Container container, ServiceContract contract)
    {
        if (!contract.Stateful)
        {
            if (workload.Kind != "Deployment" || (workload.Pod.Volumes ?? []).Any(v => v.PersistentVolumeClaim is not null))
            {
                yield return $"{workload}: {contract.Exe} keeps no state; run it as a Deployment without volumes claims.";
            }

            yield break;
        }

        var claims = workload.ClaimTemplates.Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var stateDirectory = Manifests.Value(container, "NYM_DATA_DIR") ?? Manifests.Value(container, "NYM_HOME");
        bool onClaim = stateDirectory is not null && (container.VolumeMounts ?? []).Any(m =>
            claims.Contains(m.Name) && m.ReadOnlyProperty != true
            && (stateDirectory == m.MountPath || stateDirectory.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal)));
        if (workload.Kind != "StatefulSet" || !onClaim)
        {
            yield return $"{workload}: {contract.Exe} keeps state; it must be a StatefulSet whose volumeClaimTemplate is mounted where NYM_HOME (or NYM_DATA_DIR) points.";
        }
    }

    private static IEnumerable<string> Storage(Workload workload, V1Container container, string where)
    {
        var volumes = (workload.Pod.Volumes ?? []).ToDictionary(v => v.Name, StringComparer.Ordinal);
        var claims = workload.ClaimTemplates.Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        bool tmp = false;
        foreach (var mount in container.VolumeMounts ?? [])
        {
            volumes.TryGetValue(mount.Name, out var volume);
            bool writable = mount.ReadOnlyProperty != true;
            if (volume?.EmptyDir is not null)
            {
                tmp |= mount.MountPath == "/tmp";
            }
            else if (writable && !claims.Contains(mount.Name) && volume?.PersistentVolumeClaim is null)
            {
                yield return $"{where}: {mount.MountPath} is writable but is neither an emptyDir nor a persistent volume claim.";
            }
        }

        if (!tmp)
        {
            yield return $"{where}: needs an emptyDir at /tmp (.NET writes there; the root filesystem is read-only).";
        }
    }

    private static bool TelemetryFromConfigMap(Manifests manifests, V1Container container)
    {
        bool Sets(string? name, string key) => manifests.ConfigMaps.Any(m => m.Metadata.Name == name && m.Data?.ContainsKey(key) == true);
        return (container.EnvFrom ?? []).Any(e => Sets(e.ConfigMapRef?.Name, TelemetryVariable))
            || (container.Env ?? []).Any(e => e.Name == TelemetryVariable && e.ValueFrom?.ConfigMapKeyRef is { } r && Sets(r.Name, r.Key));
    }

    /// <summary>A URL the AppHost sets from another resource's endpoint must name that resource's Service and its port there.</summary>
    private static IEnumerable<string> Url(Manifests manifests, IReadOnlyList<AppResource> resources, string where, string key, string? value, AppReference reference)
    {
        var target = resources.FirstOrDefault(r => r.Name == reference.Resource);
        var targetContract = target is null ? null : ServiceContract.ForProject(target.Project);
        var variable = target?.Endpoints.FirstOrDefault(e => e.Name == reference.Endpoint)?.EnvironmentVariable;
        if (targetContract is null || variable is null)
        {
            yield break; // reported where that resource itself is checked
        }

        var placement = targetContract.Place(target!.Name);
        var targetWorkload = manifests.Workload(placement.Kind, placement.Workload);
        var targetContainer = targetWorkload is null ? null : Manifests.ServiceContainer(targetWorkload);
        int? targetPort = targetContainer is null ? null : PortOf(targetContainer, variable);
        var service = manifests.Service(placement.Workload);
        int? servicePort = service?.Spec.Ports.FirstOrDefault(p => targetContainer is not null
            && Manifests.ContainerPort(targetContainer, p) == targetPort)?.Port;
        var urls = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (servicePort is null || !urls.Any(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Host == placement.Workload && uri.Port == servicePort))
        {
            yield return $"{where}: {key} is '{value}', but the AppHost points it at {reference.Resource}'s {reference.Endpoint} endpoint, which is http://{placement.Workload}:{servicePort?.ToString(CultureInfo.InvariantCulture) ?? "?"} in the cluster.";
        }
    }

    private static int? PortOf(V1Container container, string variable) =>
        int.TryParse(Manifests.Value(container, variable), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536 ? port : null;
}
