using System.Net;
using System.Net.Sockets;
using Nym.Node.Config;
using Nym.Node.Keys;

namespace Nym.Node;

/// <summary>Why a node cannot start, in one line for the person at the terminal (DESIGN.md principle 3).</summary>
public sealed class NodeSetupException(string message) : Exception(message);

/// <summary>
/// What <c>init</c> and <c>run</c> of a node's command line do before the host starts, for either kind: settings by
/// precedence (command line &gt; environment &gt; config.toml &gt; defaults), key files, the config file, and a check
/// that the ports are free. Every failure is a <see cref="NodeSetupException"/> whose message names the file,
/// variable or port at fault.
/// </summary>
public sealed class NodeSetup(NodeKind kind, string home, Func<string, string?> environment)
{
    public static NodeSetup FromEnvironment(NodeKind kind) => new(kind, NymHome.Resolve(), Environment.GetEnvironmentVariable);

    public string Home => home;

    public NodePaths PathsOf(string id) => NymHome.IsValidId(id)
        ? NymHome.NodePaths(home, kind, id)
        : throw new NodeSetupException(NymHome.InvalidIdMessage(id));

    public bool IsInitialised(string id) => File.Exists(PathsOf(id).ConfigFile);

    /// <summary>Creates the keys and config.toml; refuses to touch a node that exists.</summary>
    public (NodeConfig Config, NodeKeys Keys, NodePaths Paths) Init(string id, NodeOverrides commandLine)
    {
        var paths = PathsOf(id);
        if (File.Exists(paths.ConfigFile) || NodeKeys.AnyExist(paths.DataDirectory))
        {
            throw new NodeSetupException(
                $"{Name} '{id}' is already initialised at {paths.Root}; start it with '{Executable} run --id {id}', or remove that directory to start afresh");
        }

        var config = Resolve(new NodeConfig { Kind = kind, Id = id }, commandLine);
        var keys = NodeKeys.Generate();
        keys.Save(paths.DataDirectory);
        NodeConfigFile.Save(config, paths.ConfigFile);
        return (config, keys, paths);
    }

    /// <summary>Reads config.toml and the keys; the environment, then <paramref name="commandLine"/>, override the file.</summary>
    public (NodeConfig Config, NodeKeys Keys) Load(string id, NodeOverrides commandLine)
    {
        var paths = PathsOf(id);
        if (!File.Exists(paths.ConfigFile))
        {
            var layer = kind == NodeKind.MixNode ? " --layer <1|2|3>" : "";
            throw new NodeSetupException(
                $"{Name} '{id}' is not initialised ({paths.ConfigFile} does not exist); run '{Executable} init --id {id}{layer}' first, or add --init-if-missing");
        }

        if (!NodeConfigFile.TryLoad(paths.ConfigFile, kind, out var fromFile, out var error))
        {
            throw new NodeSetupException(error);
        }

        if (fromFile!.Id != id)
        {
            throw new NodeSetupException($"{paths.ConfigFile}: it holds id '{fromFile.Id}', not '{id}'");
        }

        var config = Resolve(fromFile, commandLine);
        return NodeKeys.TryLoad(paths.DataDirectory, out var keys, out error) ? (config, keys!) : throw new NodeSetupException(error);
    }

    /// <summary>
    /// Fails with the port's name when one of the node's ports is taken, so that the error is one line rather than
    /// the host's failure log. (Another process can still take a port before the host binds it.)
    /// </summary>
    public static void EnsurePortsFree(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ports = new List<(string Option, int Port)> { ("mix-port", config.MixPort), ("http-port", config.HttpPort) };
        if (config.Kind == NodeKind.Gateway)
        {
            ports.Add(("clients-port", config.ClientsPort));
        }

        foreach (var (option, port) in ports)
        {
            using var probe = new Socket(config.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            try
            {
                probe.Bind(new IPEndPoint(config.BindAddress, port));
                probe.Listen();
            }
            catch (SocketException)
            {
                throw new NodeSetupException(
                    $"{option.Replace('-', ' ')} {config.Bind}:{port} is already in use; choose another with --{option} or stop what holds it");
            }
        }
    }

    private string Name => kind == NodeKind.MixNode ? "mix node" : "gateway";

    private string Executable => kind == NodeKind.MixNode ? "nym-mixnode" : "nym-gateway";

    private NodeConfig Resolve(NodeConfig baseline, NodeOverrides commandLine)
    {
        if (!NodeOverrides.TryFromEnvironment(environment, out var fromEnvironment, out var error))
        {
            throw new NodeSetupException(error);
        }

        var config = baseline.With(fromEnvironment).With(commandLine);
        return config.Validate() is { } invalid ? throw new NodeSetupException(invalid) : config;
    }
}
