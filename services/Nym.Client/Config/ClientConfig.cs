namespace Nym.Client.Config;

/// <summary>The [debug] section (nym-client-api.md §7), defaults = Nym 1.0.1's.</summary>
internal sealed record DebugSettings
{
    public TimeSpan AveragePacketDelay { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan AverageAckDelay { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan LoopCoverTrafficAverageDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MessageSendingAverageDelay { get; init; } = TimeSpan.FromMilliseconds(20);
    public double AckWaitMultiplier { get; init; } = 1.5;
    public TimeSpan AckWaitAddition { get; init; } = TimeSpan.FromMilliseconds(1500);
    public TimeSpan GatewayResponseTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan TopologyRefreshRate { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan TopologyResolutionTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public static DebugSettings Default { get; } = new();

    /// <summary>Nym's hidden <c>--fastmode</c>: 10 ms per hop, loop cover every 33m 20s, sending every 4 ms (§6–7).</summary>
    public static DebugSettings FastMode { get; } = new()
    {
        AveragePacketDelay = TimeSpan.FromMilliseconds(10),
        LoopCoverTrafficAverageDelay = TimeSpan.FromSeconds(2000),
        MessageSendingAverageDelay = TimeSpan.FromMilliseconds(4),
    };
}

/// <summary>
/// A client's config.toml (Nym 1.0.1's layout, nym-client-api.md §7) plus our additions: <c>[socket] host</c> (D8)
/// and <c>[services]</c> (where the KeyStore and crypto service are; empty = hosted in the client's own process).
/// </summary>
internal sealed record ClientConfig
{
    /// <summary>The version this exe writes: Nym's, so that configs stay interchangeable (§6 "run version check").</summary>
    public const string CurrentVersion = "1.0.1";

    public const int DefaultPort = 1977;
    public const string DefaultHost = "127.0.0.1";
    public static readonly Uri DefaultValidator = new("http://127.0.0.1:8080");

    // Nym 1.0.1 writes these dummies when built without its "eth" feature (§6); kept so Nym can read our files.
    public const string DummyEthPrivateKey = "0000000000000000000000000000000000000000000000000000000000000001";
    public const string DummyEthEndpoint = "https://rinkeby.infura.io/v3/00000000000000000000000000000000";

    public string Version { get; init; } = CurrentVersion;
    public required string Id { get; init; }
    public bool DisabledCredentialsMode { get; init; } = true;
    public IReadOnlyList<Uri> ValidatorApiUrls { get; init; } = [DefaultValidator];
    public required string PrivateIdentityKeyFile { get; init; }
    public required string PublicIdentityKeyFile { get; init; }
    public required string PrivateEncryptionKeyFile { get; init; }
    public required string PublicEncryptionKeyFile { get; init; }
    public required string ReplyEncryptionKeyStorePath { get; init; }
    public required string DatabasePath { get; init; }
    public string EthPrivateKey { get; init; } = DummyEthPrivateKey;
    public string EthEndpoint { get; init; } = DummyEthEndpoint;
    public required string GatewaySharedKeyFile { get; init; }
    public required string AckKeyFile { get; init; }
    public required string NymRootDirectory { get; init; }

    public string GatewayId { get; init; } = "";
    /// <summary>Nym's bech32 owner address of the gateway; our gateways have none, so it stays empty.</summary>
    public string GatewayOwner { get; init; } = "";
    public string GatewayListener { get; init; } = "";

    /// <summary>False for Nym's <c>socket_type = 'None'</c> (<c>--disable-socket</c>).</summary>
    public bool SocketEnabled { get; init; } = true;
    public int ListeningPort { get; init; } = DefaultPort;
    public string Host { get; init; } = DefaultHost;

    public string KeyStoreUrl { get; init; } = "";
    public string CryptoUrl { get; init; } = "";

    public DebugSettings Debug { get; init; } = DebugSettings.Default;

    /// <summary>A new client's config with Nym's file layout under <paramref name="paths"/>.</summary>
    public static ClientConfig Create(string id, ClientPaths paths) => new()
    {
        Id = id,
        PrivateIdentityKeyFile = paths.Data("private_identity.pem"),
        PublicIdentityKeyFile = paths.Data("public_identity.pem"),
        PrivateEncryptionKeyFile = paths.Data("private_encryption.pem"),
        PublicEncryptionKeyFile = paths.Data("public_encryption.pem"),
        ReplyEncryptionKeyStorePath = paths.Data("reply_key_store"),
        DatabasePath = paths.Data("db.sqlite"),
        GatewaySharedKeyFile = paths.Data("gateway_shared.pem"),
        AckKeyFile = paths.Data("ack_key.pem"),
        NymRootDirectory = paths.ClientsDirectory,
    };
}

/// <summary>A client's directories: <c>&lt;home&gt;/clients/&lt;id&gt;/{config,data}</c> (nym-client-api.md §6, DESIGN.md "Ports and files").</summary>
internal sealed record ClientPaths(string Home, string Id)
{
    public const int MaxIdLength = 64;

    public string ClientsDirectory => Path.Combine(Home, "clients");

    public string Root => Path.Combine(ClientsDirectory, Id);

    public string ConfigDirectory => Path.Combine(Root, "config");

    public string ConfigFile => Path.Combine(ConfigDirectory, "config.toml");

    public string DataDirectory => Path.Combine(Root, "data");

    public string Data(string file) => Path.Combine(DataDirectory, file);

    /// <summary>keystore.proto's client id: 1 to 64 of [A-Za-z0-9_.-], not starting with '.' (it names a directory).</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id[0] != '.'
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static string InvalidIdMessage(string? id) =>
        $"'{id}' is not a valid client id: use 1 to {MaxIdLength} letters, digits, '-', '_' or '.', not starting with '.'";
}
