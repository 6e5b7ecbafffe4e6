namespace Nym.Crypto;

/// <summary>What the crypto service needs wherever it is hosted (its own exe or nym-client's process).</summary>
public sealed record CryptoOptions
{
    /// <summary>The most a message may hold (crypto.proto: "a message longer than the service's limit").</summary>
    public const int DefaultMaxMessageLength = 64 * 1024 * 1024;

    /// <summary>gRPC URL of the KeyStore (keystore.proto), e.g. http://127.0.0.1:8083.</summary>
    public required Uri KeyStoreUrl { get; init; }

    /// <summary>gRPC URL of nym-api, watched for the topology when no <see cref="ITopologySource"/> is given.</summary>
    public Uri? TopologyUrl { get; init; }

    /// <summary>The deployment's service token: required from callers, shown to the KeyStore.</summary>
    public required string ServiceToken { get; init; }

    public int MaxMessageLength { get; init; } = DefaultMaxMessageLength;

    /// <summary>How many clients' keys are cached; beyond it the oldest entry goes.</summary>
    public int KeyCacheCapacity { get; init; } = 1000;

    /// <summary>How long cached keys are used before they are fetched again (a client may change gateway).</summary>
    public TimeSpan KeyCacheLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The deadline of every KeyStore call.</summary>
    public TimeSpan CallDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>While nym-api cannot be reached, the watcher retries after min(initial·2^attempt, maximum).</summary>
    public TimeSpan TopologyRetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan TopologyRetryMaximumDelay { get; init; } = TimeSpan.FromSeconds(15);
}
