using Nym.Protocol.Keys;

namespace Nym.Node;

/// <summary>A node's directories: <c>&lt;home&gt;/{mixnodes|gateways}/&lt;id&gt;/{config,data}</c> (nym-mixnet.md §8).</summary>
public sealed record NodePaths(string Root)
{
    public string ConfigDirectory => Path.Combine(Root, "config");

    /// <summary>Holds the key files; created owner-only because it holds private keys.</summary>
    public string DataDirectory => Path.Combine(Root, "data");

    public string ConfigFile => Path.Combine(ConfigDirectory, "config.toml");
}

/// <summary>Where Nym keeps its files: <c>$NYM_HOME</c>, or <c>~/.nym</c> as Nym does.</summary>
public static class NymHome
{
    public const string EnvironmentVariable = NymHomeDirectory.EnvironmentVariable;

    /// <summary>Longest node id; ids name directories.</summary>
    public const int MaxIdLength = 64;

    public static string Resolve(Func<string, string?>? environment = null) => NymHomeDirectory.Resolve(environment);

    /// <summary>The directories of node <paramref name="id"/>; the id must pass <see cref="IsValidId"/>.</summary>
    public static NodePaths NodePaths(string home, NodeKind kind, string id) => IsValidId(id)
        ? new NodePaths(Path.Combine(home, kind.DirectoryName(), id))
        : throw new ArgumentException(InvalidIdMessage(id), nameof(id));

    /// <summary>
    /// Letters, digits, '-', '_' and '.', at most <see cref="MaxIdLength"/>, not only dots: an id becomes a directory
    /// name, so nothing in it may climb out of <c>&lt;home&gt;</c>.
    /// </summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.Trim('.').Length > 0
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static string InvalidIdMessage(string? id) =>
        $"'{id}' is not a valid node id: use 1 to {MaxIdLength} letters, digits, '-', '_' or '.'";
}
