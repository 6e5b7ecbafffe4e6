using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using Nym.Client.Commands;
using Nym.Client.Config;
using Nym.Client.Core;
using Nym.Client.Hosting;

// nym-client (nym-client-api.md §6): init, run and upgrade. Settings come from the command line, else the environment,
// else config.toml, else Nym's defaults; every failure is one line on stderr and a non-zero exit.
var commands = new ClientCommands(Environment.GetEnvironmentVariable, Console.Out);

var root = new RootCommand(
    $"nym-client {ClientConfig.CurrentVersion}: the Nym native websocket client. Apps connect to its websocket API "
    + $"(default ws://{ClientConfig.DefaultHost}:{ClientConfig.DefaultPort}) to send and receive messages through the mixnet. "
    + "Files live in $NYM_HOME/clients/<id>/ (NYM_HOME defaults to ~/.nym).");

var init = new Command("init", "Initialise a Nym client: its keys, its registration with a gateway and its config.toml.");
var initOptions = new SharedOptions(init, forRun: false);
var fastMode = new Option<bool>("--fastmode") { Description = "Nym's fast mode: 10ms per hop, loop cover every 33m 20s, sending every 4ms (default: off)." };
init.Options.Add(fastMode);
init.SetAction((parse, cancellationToken) => Guard(() =>
    commands.InitAsync(parse.GetRequiredValue(initOptions.Id), initOptions.Overrides(parse) with { FastMode = parse.GetValue(fastMode) }, cancellationToken)));

var run = new Command("run", "Run an initialised Nym client: connect to its gateway, start the traffic and serve the websocket API.");
var runOptions = new SharedOptions(run, forRun: true);
var initIfMissing = new Option<bool>("--init-if-missing") { Description = "Initialise the client first when it has no config.toml yet (default: off)." };
run.Options.Add(initIfMissing);
run.SetAction((parse, cancellationToken) => Guard(async () =>
{
    string id = parse.GetRequiredValue(runOptions.Id);
    var overrides = runOptions.Overrides(parse);
    if (parse.GetValue(initIfMissing) && !commands.IsInitialised(id))
    {
        await commands.InitAsync(id, overrides with { HttpPort = null, Bind = null }, cancellationToken).ConfigureAwait(false);
    }

    return await commands.RunAsync(id, overrides, cancellationToken).ConfigureAwait(false);
}));

var upgrade = new Command("upgrade", "Upgrade a client's config.toml written by an older version, or say that none is needed.");
var upgradeId = new Option<string>("--id") { Description = "Id of the client whose config to upgrade (required).", Required = true };
upgrade.Options.Add(upgradeId);
upgrade.SetAction(parse => Guard(() => commands.UpgradeAsync(parse.GetRequiredValue(upgradeId))));

root.Subcommands.Add(init);
root.Subcommands.Add(run);
root.Subcommands.Add(upgrade);

var parseResult = root.Parse(args);
if (parseResult.Action is ParseErrorAction)
{
    var command = parseResult.CommandResult.Command == root ? "nym-client" : $"nym-client {parseResult.CommandResult.Command.Name}";
    await Console.Error.WriteLineAsync($"nym-client: {string.Join("; ", parseResult.Errors.Select(e => e.Message.TrimEnd('.')))} (see '{command} --help')");
    return 2;
}

// The generic host handles SIGTERM and Ctrl-C itself; System.CommandLine's own handler would cut its graceful stop short.
return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> Guard(Func<Task<int>> action)
{
    try
    {
        return await action().ConfigureAwait(false);
    }
    catch (Exception e) when (e is ClientSetupException or Nym.Client.Api.ReceivedStoreException or IOException or UnauthorizedAccessException)
    {
        await Console.Error.WriteLineAsync($"nym-client: {e.Message}").ConfigureAwait(false);
        return 1;
    }
    catch (ArgumentException e)
    {
        // A setting the config reader let through but the client core refuses (its own checks, e.g. TrafficOptions):
        // still one line, not a stack trace. The config reader names the file and key for everything it checks.
        await Console.Error.WriteLineAsync($"nym-client: a setting is out of range: {e.Message}; fix it in config.toml or the command line").ConfigureAwait(false);
        return 1;
    }
    catch (OperationCanceledException)
    {
        await Console.Error.WriteLineAsync("nym-client: stopped before it was ready").ConfigureAwait(false);
        return 1;
    }
}

/// <summary>The options init and run share (Nym 1.0.1's, §6, plus ours); each command gets its own instances.</summary>
internal sealed class SharedOptions
{
    private readonly Option<string?> _gateway, _validators, _host, _bind, _tokenFile;
    private readonly Option<int?> _port, _httpPort;
    private readonly Option<bool> _disableSocket;

    public SharedOptions(Command command, bool forRun)
    {
        string once = forRun ? " For this run only." : "";
        Id = new Option<string>("--id") { Description = "Id of the client: names its directory $NYM_HOME/clients/<id>/ (required).", Required = true };
        _gateway = new Option<string?>("--gateway")
        {
            Description = forRun
                ? "Identity (base58) of the gateway; must be the one the client registered with (default: from config.toml)."
                : "Identity (base58) of the gateway to register with (default: the one registered before, else a random gateway of the topology).",
        };
        _validators = new Option<string?>("--validators") { Description = $"Comma-separated validator API (nym-api HTTP) URLs [env NYM_VALIDATORS; default: {ClientConfig.DefaultValidator}].{once}" };
        _port = Number("--port", $"Port of the websocket API [env NYM_CLIENT_PORT; default: {ClientConfig.DefaultPort}].{once}");
        _port.Aliases.Add("-p");
        _host = new Option<string?>("--host") { Description = $"IP address the websocket API listens on [default: {ClientConfig.DefaultHost}].{once}" };
        _disableSocket = new Option<bool>("--disable-socket") { Description = $"Do not serve the websocket API (default: serve it).{once}" };
        _httpPort = Number("--http-port", "Port of /health and /alive [env NYM_HTTP_PORT; default: 0 = a free port].");
        _bind = new Option<string?>("--bind") { Description = "IP address of the /health and /alive endpoint [env NYM_BIND; default: 127.0.0.1]." };
        _tokenFile = new Option<string?>("--token-file") { Description = "File holding the service token of the shared KeyStore and crypto service [default: env NYM_SERVICE_TOKEN]." };
        command.Options.Add(Id);
        foreach (var option in new Option[] { _gateway, _validators, _port, _host, _disableSocket, _tokenFile })
        {
            command.Options.Add(option);
        }

        if (forRun)
        {
            command.Options.Add(_httpPort);
            command.Options.Add(_bind);
        }
    }

    public Option<string> Id { get; }

    public CommandOverrides Overrides(ParseResult parse) => new(
        Gateway: parse.GetValue(_gateway), Validators: parse.GetValue(_validators), Port: parse.GetValue(_port), Host: parse.GetValue(_host),
        DisableSocket: parse.GetValue(_disableSocket), HttpPort: parse.GetValue(_httpPort), Bind: parse.GetValue(_bind), TokenFile: parse.GetValue(_tokenFile));

    private static Option<int?> Number(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                return value;
            }

            result.AddError($"{name} '{text}' is not a number");
            return null;
        },
    };
}
