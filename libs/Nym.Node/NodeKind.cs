namespace Nym.Node;

/// <summary>The two kinds of node that carry mix traffic (nym-mixnet.md §6).</summary>
public enum NodeKind
{
    MixNode,
    Gateway,
}

public static class NodeKinds
{
    /// <summary>The directory under <c>&lt;home&gt;</c> that holds nodes of this kind, as Nym names it (§8).</summary>
    public static string DirectoryName(this NodeKind kind) => kind switch
    {
        NodeKind.MixNode => "mixnodes",
        NodeKind.Gateway => "gateways",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a node kind."),
    };

    /// <summary>The table of config.toml that holds the node's settings (Nym's <c>[mixnode]</c> / <c>[gateway]</c>).</summary>
    public static string ConfigSection(this NodeKind kind) => kind switch
    {
        NodeKind.MixNode => "mixnode",
        NodeKind.Gateway => "gateway",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a node kind."),
    };
}
