using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Nym.Node;
using Nym.Node.Config;
using Nym.Node.Keys;

namespace Nym.MixNode;

/// <summary>
/// nym-mixnode's command line: <c>init</c> and <c>run</c>. Settings: command line &gt; environment (NYM_HOME,
/// NYM_HOST, NYM_BIND, NYM_MIX_PORT, NYM_HTTP_PORT, NYM_TOPOLOGY, NYM_LAYER) &gt; config.toml &gt; defaults.
/// Every failure is one line on stderr and a non-zero exit (DESIGN.md principle 3).
/// </summary>
internal static class MixNodeCli
{
    private const string Name = "nym-mixnode";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Create(output, error);
        var parse = root.Parse(args);
        if (parse.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            var command = parse.CommandResult.Command == root ? Name : $"{Name} {parse.CommandResult.Command.Name}";
            var messages = string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')));
            await error.WriteLineAsync($"{Name}: {messages} (see '{command} --help')").ConfigureAwait(false);
            return 2;
        }

        // No termination handling here: the host's console lifetime turns SIGTERM and SIGINT into a graceful stop.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null })
            .ConfigureAwait(false);
    }

    private static RootCommand Create(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "Nym mix node (Nym 1.0.1 compatible): mixes Sphinx packets between the layers of the mixnet. Files live in "
            + "$NYM_HOME/mixnodes/<id>/ (NYM_HOME defaults to ~/.nym).");

        var init = new Command("init", "Create a mix node: its identity and Sphinx keys and its config.toml.");
        var initOptions = new NodeOptions(init, layerRequired: true);
        init.SetAction(parse => Guard(error, () =>
        {
            var setup = NodeSetup.FromEnvironment(NodeKind.MixNode);
            var (config, keys, paths) = setup.Init(parse.GetRequiredValue(initOptions.Id), initOptions.Overrides(parse));
            PrintInitialised(output, config, keys, paths);
            return Task.FromResult(0);
        }));

        var run = new Command("run", "Run a mix node created by init (or by --init-if-missing).");
        var runOptions = new NodeOptions(run, layerRequired: false);
        var initIfMissing = new Option<bool>("--init-if-missing") { Description = "Create the node first if it does not exist (needs --layer or NYM_LAYER)." };
        run.Options.Add(initIfMissing);
        run.SetAction((parse, cancellationToken) => Guard(error, async () =>
        {
            var setup = NodeSetup.FromEnvironment(NodeKind.MixNode);
            string id = parse.GetRequiredValue(runOptions.Id);
            var overrides = runOptions.Overrides(parse);
            if (parse.GetValue(initIfMissing) && !setup.IsInitialised(id))
            {
                var (created, createdKeys, paths) = setup.Init(id, overrides);
                PrintInitialised(output, created, createdKeys, paths);
            }

            var (config, keys) = setup.Load(id, overrides);
            return await RunNodeAsync(config, keys, output, cancellationToken).ConfigureAwait(false);
        }));

        root.Subcommands.Add(init);
        root.Subcommands.Add(run);
        return root;
    }

    private static async Task<int> RunNodeAsync(NodeConfig config, NodeKeys keys, TextWriter output, CancellationToken cancellationToken)
    {
        NodeSetup.EnsurePortsFree(config);
        await using var app = MixNodeApp.Build(config, keys);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Kestrel's bind failure, e.g. "Failed to bind to address http://127.0.0.1:8000: address already in use."
            throw new NodeSetupException($"cannot listen ({e.Message.TrimEnd('.')}); choose other ports with --mix-port / --http-port");
        }

        await output.WriteLineAsync(
            $"{Name} '{config.Id}' (layer {config.Layer}, identity {keys.Identity.PublicKeyBase58}): mix port {config.Bind}:{config.MixPort}, "
            + $"health http://{config.Bind}:{config.HttpPort}/health, announced as {config.Host}, topology {config.TopologyUrl}").ConfigureAwait(false);
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private static void PrintInitialised(TextWriter output, NodeConfig config, NodeKeys keys, NodePaths paths)
    {
        output.WriteLine($"Initialised mix node '{config.Id}' (layer {config.Layer})");
        output.WriteLine($"  config:       {paths.ConfigFile}");
        output.WriteLine($"  keys:         {paths.DataDirectory}/{{{NodeKeys.PrivateIdentityFile},{NodeKeys.PublicIdentityFile},{NodeKeys.PrivateSphinxFile},{NodeKeys.PublicSphinxFile}}}");
        output.WriteLine($"  identity key: {keys.Identity.PublicKeyBase58}");
        output.WriteLine($"  sphinx key:   {keys.Sphinx.PublicKeyBase58}");
        output.WriteLine($"  mix port:     {config.Bind}:{config.MixPort} (announced as {config.Host}:{config.MixPort}), http port {config.HttpPort}");
        output.WriteLine($"  topology:     {config.TopologyUrl}");
        output.WriteLine($"Start it with: {Name} run --id {config.Id}");
    }

    private static async Task<int> Guard(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (NodeSetupException e)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The options init and run share; each command gets its own instances.</summary>
    private sealed class NodeOptions
    {
        public NodeOptions(Command command, bool layerRequired)
        {
            Id = new Option<string>("--id") { Description = "The node's id: names its directory under $NYM_HOME/mixnodes/.", Required = true };
            Layer = new Option<int?>("--layer")
            {
                CustomParser = ParseNumber,
                Description = layerRequired
                    ? "The mix layer: 1, 2 or 3 [env NYM_LAYER]."
                    : "The mix layer: 1, 2 or 3 [env NYM_LAYER; default: as in config.toml].",
            };
            Host = new Option<string?>("--host") { Description = $"Host or IP to announce to the Topology service [env NYM_HOST; default: {NodeConfig.DefaultAddress}]." };
            Bind = new Option<string?>("--bind") { Description = $"IP address to listen on [env NYM_BIND; default: {NodeConfig.DefaultAddress}]." };
            MixPort = new Option<int?>("--mix-port") { CustomParser = ParseNumber, Description = $"Port for mix traffic [env NYM_MIX_PORT; default: {NodeConfig.DefaultMixPort}]." };
            HttpPort = new Option<int?>("--http-port") { CustomParser = ParseNumber, Description = $"Port for /health and /alive [env NYM_HTTP_PORT; default: {NodeConfig.DefaultHttpPort}]." };
            Topology = new Option<string?>("--topology") { Description = $"gRPC URL of the Topology service [env NYM_TOPOLOGY; default: {NodeConfig.DefaultTopologyUrl}]." };
            foreach (var option in new Option[] { Id, Layer, Host, Bind, MixPort, HttpPort, Topology })
            {
                command.Options.Add(option);
            }
        }

        public Option<string> Id { get; }

        private static int? ParseNumber(System.CommandLine.Parsing.ArgumentResult result)
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value))
            {
                return value;
            }

            result.AddError($"{((System.CommandLine.Parsing.OptionResult)result.Parent!).Option.Name} '{text}' is not a number");
            return null;
        }

        public Option<int?> Layer { get; }

        public Option<string?> Host { get; }

        public Option<string?> Bind { get; }

        public Option<int?> MixPort { get; }

        public Option<int?> HttpPort { get; }

        public Option<string?> Topology { get; }

        public NodeOverrides Overrides(ParseResult parse) => new(
            Host: parse.GetValue(Host), Bind: parse.GetValue(Bind), MixPort: parse.GetValue(MixPort), HttpPort: parse.GetValue(HttpPort),
            TopologyUrl: parse.GetValue(Topology), Layer: parse.GetValue(Layer));
    }
}
