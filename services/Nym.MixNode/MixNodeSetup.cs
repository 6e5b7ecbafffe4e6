using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;

namespace Nym.MixNode;

/// <summary>Why the node cannot start: one line for the person at the terminal.</summary>
internal sealed class SetupException(string message) : Exception(message);

/// <summary>init and the loading half of run: settings by precedence, key files, config file.</summary>
internal sealed class MixNodeSetup(string home, Func<string, string?> environment)
{
    public static MixNodeSetup FromEnvironment() => new(NymHome.Resolve(), Environment.GetEnvironmentVariable);

    public string Home => home;

    public NodePaths PathsOf(string id) => NymHome.IsValidId(id)
        ? NymHome.NodePaths(home, NodeKind.MixNode, id)
        : throw new SetupException(NymHome.InvalidIdMessage(id));

    public bool IsInitialised(string id) => File.Exists(PathsOf(id).ConfigFile);

    /// <summary>Creates keys and config.toml: defaults, then environment, then <paramref name="commandLine"/>.</summary>
    public (NodeConfig Config, NodeKeys Keys, NodePaths Paths) Init(string id, NodeOverrides commandLine)
    {
        var paths = PathsOf(id);
        if (File.Exists(paths.ConfigFile) || NodeKeys.AnyExist(paths.DataDirectory))
        {
            throw new SetupException($"mix node '{id}' is already initialised at {paths.Root}; start it with 'nym-mixnode run --id {id}', or remove that directory to start afresh");
        }

        var config = Resolve(new NodeConfig { Kind = NodeKind.MixNode, Id = id }, commandLine);
        var keys = NodeKeys.Generate();
        keys.Save(paths.DataDirectory);
        NodeConfigFile.Save(config, paths.ConfigFile);
        return (config, keys, paths);
    }

    /// <summary>Reads config.toml and the keys; environment then <paramref name="commandLine"/> override the file.</summary>
    public (NodeConfig Config, NodeKeys Keys) Load(string id, NodeOverrides commandLine)
    {
        var paths = PathsOf(id);
        if (!File.Exists(paths.ConfigFile))
        {
            throw new SetupException(
                $"mix node '{id}' is not initialised ({paths.ConfigFile} does not exist); run 'nym-mixnode init --id {id} --layer <1|2|3>' first, or add --init-if-missing");
        }

        if (!NodeConfigFile.TryLoad(paths.ConfigFile, NodeKind.MixNode, out var fromFile, out var error))
        {
            throw new SetupException(error);
        }

        if (fromFile!.Id != id)
        {
            throw new SetupException($"{paths.ConfigFile}: it holds id '{fromFile.Id}', not '{id}'");
        }

        var config = Resolve(fromFile, commandLine);
        if (!NodeKeys.TryLoad(paths.DataDirectory, out var keys, out error))
        {
            throw new SetupException(error);
        }

        return (config, keys!);
    }

    private NodeConfig Resolve(NodeConfig baseline, NodeOverrides commandLine)
    {
        if (!NodeOverrides.TryFromEnvironment(environment, out var fromEnvironment, out var error))
        {
            throw new SetupException(error);
        }

        var config = baseline.With(fromEnvironment).With(commandLine);
        return config.Validate() is { } invalid ? throw new SetupException(invalid) : config;
    }
}
