using System.Reflection;

namespace NymAspire.Deployment.Tests;

/// <summary>Paths in the repository that the tests render and inspect (RepositoryRoot is set by the project file).</summary>
internal static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Overlay(string name) => Path.Combine(Root, "deploy", "kubernetes", "overlays", name);

    public static string Base { get; } = Path.Combine(Root, "deploy", "kubernetes", "base");
}
