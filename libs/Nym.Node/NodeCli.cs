using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Nym.Node.Config;
using Nym.Node.Keys;

namespace Nym.Node;

/// <summary>
/// The command line that nym-mixnode and nym-gateway share: <c>init</c> and <c>run</c>. Settings: command line &gt;
/// environment (NYM_HOME, NYM_HOST, NYM_BIND, NYM_MIX_PORT, NYM_HTTP_PORT, NYM_TOPOLOGY, and NYM_LAYER for mix nodes
/// or NYM_CLIENTS_PORT for gateways) &gt; config.toml &gt; defaults. Every failure is one line on stderr and a
/// non-zero exit (DESIGN.md principle 3).
/// </summary>
/// <param name="build">builds the node's host from its settings and keys (the kind's own app).</param>
public sealed class NodeCli(NodeKind kind, string name, string description, Func<NodeConfig, NodeKeys, WebApplication> build)
{
    private string KindText => kind == NodeKind.MixNode ? "mix node" : "gateway";

    public async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = Create(output, error);
        var parse = root.Parse(args);
        if (parse.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            var command = parse.CommandResult.Command == root ? name : $"{name} {parse.CommandResult.Command.Name}";
            var messages = string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')));
            await error.WriteLineAsync($"{name}: {messages} (see '{command} --help')").ConfigureAwait(false);
            return 2;
        }

        // No termination handling here: the host's console lifetime turns SIGTERM and SIGINT into a graceful stop.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null })
            .ConfigureAwait(false);
    }

    private RootCommand Create(TextWriter output, TextWriter error)
    {
        var root = new RootCommand($"{description} Files live in $NYM_HOME/{kind.DirectoryName()}/<id>/ (NYM_HOME defaults to ~/.nym).");

        var init = new Command("init", $"Create a {KindText}: its identity and Sphinx keys and its config.toml.");
        var initOptions = new NodeOptions(init, kind, required: true);
        init.SetAction(parse => Guard(error, () =>
        {
            var setup = NodeSetup.FromEnvironment(kind);
            var (config, keys, paths) = setup.Init(parse.GetRequiredValue(initOptions.Id), initOptions.Overrides(parse));
            PrintInitialised(output, config, keys, paths);
            return Task.FromResult(0);
        }));

        var run = new Command("run", $"Run a {KindText} created by init (or by --init-if-missing).");
        var runOptions = new NodeOptions(run, kind, required: false);
        var initIfMissing = new Option<bool>("--init-if-missing")
        {
            Description = kind == NodeKind.MixNode
                ? "Create the node first if it does not exist (needs --layer or NYM_LAYER)."
                : "Create the gateway first if it does not exist.",
        };
        run.Options.Add(initIfMissing);
        run.SetAction((parse, cancellationToken) => Guard(error, async () =>
        {
            var setup = NodeSetup.FromEnvironment(kind);
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

    private async Task<int> RunNodeAsync(NodeConfig config, NodeKeys keys, TextWriter output, CancellationToken cancellationToken)
    {
        NodeSetup.EnsurePortsFree(config);
        await using var app = build(config, keys);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Kestrel's bind failure, e.g. "Failed to bind to address http://127.0.0.1:8000: address already in use."
            var ports = kind == NodeKind.MixNode ? "--mix-port / --http-port" : "--mix-port / --http-port / --clients-port";
            throw new NodeSetupException($"cannot listen ({e.Message.TrimEnd('.')}); choose other ports with {ports}");
        }

        await output.WriteLineAsync(
            $"{name} '{config.Id}' ({Specifics(config)}, identity {keys.Identity.PublicKeyBase58}): mix port {config.Bind}:{config.MixPort}, "
            + $"health http://{config.Bind}:{config.HttpPort}/health, announced as {config.Host}, topology {config.TopologyUrl}").ConfigureAwait(false);
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private string Specifics(NodeConfig config) =>
        kind == NodeKind.MixNode ? $"layer {config.Layer}" : $"clients ws://{config.Bind}:{config.ClientsPort}";

    private void PrintInitialised(TextWriter output, NodeConfig config, NodeKeys keys, NodePaths paths)
    {
        output.WriteLine($"Initialised {KindText} '{config.Id}' ({Specifics(config)})");
        output.WriteLine($"  config:       {paths.ConfigFile}");
        output.WriteLine($"  keys:         {paths.DataDirectory}/{{{NodeKeys.PrivateIdentityFile},{NodeKeys.PublicIdentityFile},{NodeKeys.PrivateSphinxFile},{NodeKeys.PublicSphinxFile}}}");
        output.WriteLine($"  identity key: {keys.Identity.PublicKeyBase58}");
        output.WriteLine($"  sphinx key:   {keys.Sphinx.PublicKeyBase58}");
        output.WriteLine($"  mix port:     {config.Bind}:{config.MixPort} (announced as {config.Host}:{config.MixPort}), http port {config.HttpPort}");
        output.WriteLine($"  topology:     {config.TopologyUrl}");
        output.WriteLine($"Start it with: {name} run --id {config.Id}");
    }

    private async Task<int> Guard(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NodeSetupException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{name}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The options init and run share; each command gets its own instances.</summary>
    private sealed class NodeOptions
    {
        private readonly Option<int?>? _layer;
        private readonly Option<int?>? _clientsPort;

        public NodeOptions(Command command, NodeKind kind, bool required)
        {
            Id = new Option<string>("--id") { Description = $"The node's id: names its directory under $NYM_HOME/{kind.DirectoryName()}/.", Required = true };
            command.Options.Add(Id);
            if (kind == NodeKind.MixNode)
            {
                _layer = Number("--layer", required
                    ? "The mix layer: 1, 2 or 3 [env NYM_LAYER]."
                    : "The mix layer: 1, 2 or 3 [env NYM_LAYER; default: as in config.toml].");
                command.Options.Add(_layer);
            }
            else
            {
                _clientsPort = Number("--clients-port", $"Port of the clients' websocket [env NYM_CLIENTS_PORT; default: {NodeConfig.DefaultClientsPort}].");
                command.Options.Add(_clientsPort);
            }

            Host = new Option<string?>("--host") { Description = $"Host or IP to announce to the Topology service [env NYM_HOST; default: {NodeConfig.DefaultAddress}]." };
            Bind = new Option<string?>("--bind") { Description = $"IP address to listen on [env NYM_BIND; default: {NodeConfig.DefaultAddress}]." };
            MixPort = Number("--mix-port", $"Port for mix traffic [env NYM_MIX_PORT; default: {NodeConfig.DefaultMixPort}].");
            HttpPort = Number("--http-port", $"Port for /health and /alive [env NYM_HTTP_PORT; default: {NodeConfig.DefaultHttpPort}].");
            Topology = new Option<string?>("--topology") { Description = $"gRPC URL of the Topology service [env NYM_TOPOLOGY; default: {NodeConfig.DefaultTopologyUrl}]." };
            foreach (var option in new Option[] { Host, Bind, MixPort, HttpPort, Topology })
            {
                command.Options.Add(option);
            }
        }

        public Option<string> Id { get; }

        private Option<string?> Host { get; }

        private Option<string?> Bind { get; }

        private Option<int?> MixPort { get; }

        private Option<int?> HttpPort { get; }

        private Option<string?> Topology { get; }

        public NodeOverrides Overrides(ParseResult parse) => new(
            Host: parse.GetValue(Host), Bind: parse.GetValue(Bind), MixPort: parse.GetValue(MixPort), HttpPort: parse.GetValue(HttpPort),
            TopologyUrl: parse.GetValue(Topology), Layer: _layer is null ? null : parse.GetValue(_layer),
            ClientsPort: _clientsPort is null ? null : parse.GetValue(_clientsPort));

        private static Option<int?> Number(string optionName, string optionDescription) =>
            new(optionName) { CustomParser = ParseNumber, Description = optionDescription };

        private static int? ParseNumber(ArgumentResult result)
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                return value;
            }

            result.AddError($"{((OptionResult)result.Parent!).Option.Name} '{text}' is not a number");
            return null;
        }
    }
}
