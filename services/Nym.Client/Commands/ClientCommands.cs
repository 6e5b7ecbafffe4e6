using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Console;
using Nym.Client.Config;
using Nym.Client.Core;
using Nym.Client.Hosting;

namespace Nym.Client.Commands;

/// <summary>
/// init, run and upgrade (nym-client-api.md §6). Every failure a person must act on is a
/// <see cref="ClientSetupException"/>; nothing is written before the keys and the gateway are in place.
/// </summary>
internal sealed class ClientCommands(Func<string, string?> environment, TextWriter output)
{
    private readonly string _home = Nym.Protocol.Keys.NymHomeDirectory.Resolve(environment);

    public async Task<int> InitAsync(string id, CommandOverrides overrides, CancellationToken cancellationToken)
    {
        var paths = Paths(id);
        await output.WriteLineAsync("Initialising client...").ConfigureAwait(false);
        var existing = File.Exists(paths.ConfigFile) ? Load(paths) : null;
        if (existing is not null)
        {
            // Nym rebuilds the config from defaults and loses the gateway (§6); the keys and the gateway are kept here.
            await output.WriteLineAsync($"Client \"{id}\" was already initialised before! Config information will be overwritten (but keys will be kept)!").ConfigureAwait(false);
        }

        var config = ClientSettings.Apply(existing ?? ClientConfig.Create(id, paths), overrides, environment);
        using var loggers = InitLoggers();
        var logger = loggers.CreateLogger("nym-client");
        // The topology (and the gateway named in it) first: an init that cannot work creates no keys and no files.
        var topology = await ClientInitialisation.ReadTopologyAsync(config.ValidatorApiUrls, overrides.Gateway, logger, cancellationToken).ConfigureAwait(false);
        await using (var lease = await LeaseAsync(config, overrides, readTopology: false, loggers, cancellationToken).ConfigureAwait(false))
        {
            var result = await ClientInitialisation.InitAsync(id, overrides.Gateway, topology, lease.Services, logger, cancellationToken).ConfigureAwait(false);
            if (result.KeysCreated)
            {
                await output.WriteLineAsync("Saved all generated keys").ConfigureAwait(false);
            }

            config = config with { GatewayId = result.Gateway.GatewayId, GatewayListener = result.Gateway.GatewayListener };
            ClientConfigFile.Save(config, paths.ConfigFile);
            await output.WriteLineAsync($"Saved configuration file to \"{paths.ConfigFile}\"").ConfigureAwait(false);
            await output.WriteLineAsync($"Using gateway: {result.Gateway.GatewayId}").ConfigureAwait(false);
            await output.WriteLineAsync("Client configuration completed.\n\n\n").ConfigureAwait(false);
            await output.WriteLineAsync($"\nThe address of this client is: {result.Address}").ConfigureAwait(false);
        }

        return 0;
    }

    public bool IsInitialised(string id) => File.Exists(Paths(id).ConfigFile);

    public async Task<int> RunAsync(string id, CommandOverrides overrides, CancellationToken cancellationToken)
    {
        var paths = Paths(id);
        if (!File.Exists(paths.ConfigFile))
        {
            throw new ClientSetupException($"client '{id}' is not initialised ({paths.ConfigFile} does not exist): run `nym-client init --id {id}` first");
        }

        var stored = Load(paths);
        CheckVersion(stored, paths);
        if (overrides.Gateway is { } gateway && gateway != stored.GatewayId)
        {
            throw new ClientSetupException(
                $"client '{id}' is registered with gateway {stored.GatewayId}; to use {gateway}, register with it first: nym-client init --id {id} --gateway {gateway}");
        }

        // For this run only: nothing is saved.
        var config = ClientSettings.Apply(stored, overrides, environment);
        var webSocket = ClientSettings.WebSocketAddress(config);
        var (httpAddress, httpPort) = ClientSettings.HttpEndpoint(overrides, environment);
        if (webSocket is not null)
        {
            EnsureFree(webSocket, config.ListeningPort, "--port (or NYM_CLIENT_PORT, or [socket] listening_port)");
        }

        EnsureFree(httpAddress, httpPort, "--http-port (or NYM_HTTP_PORT)");

        MixnetClient? client = null;
        await using var app = ClientApp.Build(new ListenSettings(webSocket, config.ListeningPort, httpAddress, httpPort), paths.DataDirectory,
            () => new MixnetSession(client!));
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        await using var lease = await LeaseAsync(config, overrides, readTopology: true, loggers, cancellationToken).ConfigureAwait(false);
        client = await MixnetClient.StartAsync(id, new GatewayEndpoint(config.GatewayId, config.GatewayListener), lease.Services,
            ClientSettings.Traffic(config.Debug), TimeProvider.System, loggers, cancellationToken).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new ClientSetupException($"cannot listen ({e.Message.TrimEnd('.')}); choose other ports with --port / --http-port");
            }

            var endpoints = app.Services.GetRequiredService<ClientEndpoints>();
            // The address goes to the person running the client, as Nym prints it (§6), never into logs or telemetry.
            await output.WriteLineAsync("Client startup finished!").ConfigureAwait(false);
            await output.WriteLineAsync($"The address of this client is: {client.Address}").ConfigureAwait(false);
            await output.WriteLineAsync(endpoints.WebSocket is { } ws
                ? $"Websocket API for apps: {ws} (health: {endpoints.Http}health)"
                : $"The websocket API is disabled (socket_type = 'None'); health: {endpoints.Http}health").ConfigureAwait(false);
            // Runs until SIGTERM / Ctrl-C, or until the client core's traffic fails for good (already logged as an
            // error): then the process stops with a non-zero exit code rather than serving apps a dead client.
            var shutdown = app.WaitForShutdownAsync(CancellationToken.None);
            if (await Task.WhenAny(shutdown, client.Faulted).ConfigureAwait(false) != shutdown)
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await shutdown.ConfigureAwait(false);
                throw new ClientSetupException("the client's mixnet traffic stopped after an internal error (see the log above); start it again");
            }

            await shutdown.ConfigureAwait(false);
        }

        return 0;
    }

    public async Task<int> UpgradeAsync(string id)
    {
        var paths = Paths(id);
        if (!File.Exists(paths.ConfigFile))
        {
            throw new ClientSetupException($"client '{id}' is not initialised ({paths.ConfigFile} does not exist): run `nym-client init --id {id}`");
        }

        var config = Load(paths);
        if (config.Version == ClientConfig.CurrentVersion)
        {
            await output.WriteLineAsync($"The config of client '{id}' is already at version {ClientConfig.CurrentVersion}: nothing to upgrade.").ConfigureAwait(false);
            return 0;
        }

        if (!Version.TryParse(config.Version.TrimStart('v', 'V'), out var version) || version > Version.Parse(ClientConfig.CurrentVersion))
        {
            throw new ClientSetupException($"{paths.ConfigFile}: version '{config.Version}' is not one this nym-client ({ClientConfig.CurrentVersion}) can upgrade from");
        }

        // Nym 1.0.x's configs and ours have the same keys, so an older 1.0 config only needs its version (§6 "upgrade").
        if (version.Major != 1 || version.Minor != 0)
        {
            throw new ClientSetupException(
                $"{paths.ConfigFile}: version {config.Version} is too old to upgrade; initialise the client again with `nym-client init --id {id}` (the keys are kept)");
        }

        ClientConfigFile.Save(config with { Version = ClientConfig.CurrentVersion }, paths.ConfigFile);
        await output.WriteLineAsync($"Upgraded the config of client '{id}' from {config.Version} to {ClientConfig.CurrentVersion}.").ConfigureAwait(false);
        return 0;
    }

    private ClientPaths Paths(string id) =>
        ClientPaths.IsValidId(id) ? new ClientPaths(_home, id) : throw new ClientSetupException(ClientPaths.InvalidIdMessage(id));

    private static ClientConfig Load(ClientPaths paths) =>
        ClientConfigFile.TryLoad(paths.ConfigFile, out var config, out var error) ? config! : throw new ClientSetupException(error);

    /// <summary>§6: the config must share major.minor with the binary, else `upgrade`.</summary>
    private static void CheckVersion(ClientConfig config, ClientPaths paths)
    {
        static string MajorMinor(string version) => string.Join('.', version.TrimStart('v', 'V').Split('.').Take(2));
        if (MajorMinor(config.Version) != MajorMinor(ClientConfig.CurrentVersion))
        {
            throw new ClientSetupException($"{paths.ConfigFile} is for version {config.Version}, this is {ClientConfig.CurrentVersion}: run `nym-client upgrade --id {config.Id}`");
        }

        if (config.GatewayId.Length == 0 || config.GatewayListener.Length == 0)
        {
            throw new ClientSetupException($"{paths.ConfigFile} names no gateway: run `nym-client init --id {config.Id}` to register with one");
        }
    }

    private async Task<ServicesLease> LeaseAsync(ClientConfig config, CommandOverrides overrides, bool readTopology, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        bool hasKeyStore = config.KeyStoreUrl.Length > 0, hasCrypto = config.CryptoUrl.Length > 0;
        if (!hasKeyStore && !hasCrypto)
        {
            return await LocalServices.StartAsync(_home, config.ValidatorApiUrls, config.Debug.TopologyRefreshRate, readTopology, loggers, cancellationToken)
                .ConfigureAwait(false);
        }

        if (!hasKeyStore || !hasCrypto)
        {
            throw new ClientSetupException("give both the KeyStore and the crypto service (NYM_KEYSTORE and NYM_CRYPTO, or [services] keystore_url and crypto_url), or neither to host them in this process");
        }

        if (!Uri.TryCreate(config.KeyStoreUrl, UriKind.Absolute, out var keyStore) || !Uri.TryCreate(config.CryptoUrl, UriKind.Absolute, out var crypto))
        {
            throw new ClientSetupException($"the KeyStore and crypto service URLs must be absolute, e.g. http://127.0.0.1:8083; got '{config.KeyStoreUrl}' and '{config.CryptoUrl}'");
        }

        if (!ServiceToken.TryLoad(overrides.TokenFile, environment, out var token, out var error))
        {
            throw new ClientSetupException(error);
        }

        return new ServicesLease.Shared(new ClientServices(keyStore, crypto, token));
    }

    private static void EnsureFree(IPAddress address, int port, string option)
    {
        if (port == 0)
        {
            return;
        }

        try
        {
            using var probe = new TcpListener(address, port);
            probe.Start();
        }
        catch (SocketException e)
        {
            throw new ClientSetupException($"cannot listen on {address}:{port} ({e.Message}); is another nym-client running? Choose another port with {option}");
        }
    }

    /// <summary>init's own lines go to stdout; warnings of the services it hosts go to stderr.</summary>
    private static ILoggerFactory InitLoggers() => LoggerFactory.Create(logging => logging
        .SetMinimumLevel(LogLevel.Warning)
        .AddSimpleConsole(o => o.SingleLine = true)
        .Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
