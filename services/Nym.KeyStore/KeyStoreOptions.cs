namespace Nym.KeyStore;

/// <summary>
/// What the KeyStore service needs wherever it is hosted (the nym-keystore exe, or nym-client's own process in
/// standalone mode, DESIGN.md "Standalone mode"). Immutable; <see cref="Validate"/> runs before the service starts.
/// </summary>
/// <param name="Home">Nym's home directory: keys under <c>&lt;home&gt;/clients/&lt;id&gt;/data</c>, the database under <c>&lt;home&gt;/keystore</c>.</param>
/// <param name="ServiceToken">The deployment's token (NYM_SERVICE_TOKEN) that every call must carry.</param>
public sealed record KeyStoreOptions(string Home, string ServiceToken)
{
    public const int DefaultMaxReplyKeysPerClient = 100_000;
    public const int DefaultMaxTakenReplyDigestsPerClient = 100_000;
    public const int DefaultMaxCachedClients = 1024;

    /// <summary>
    /// Reply-SURB keys kept per client before the oldest are dropped: a client that hands out SURBs nobody answers
    /// must not fill the disk. 100,000 keys are about 6 MB of rows, far more than the replies one client awaits.
    /// </summary>
    public int MaxReplyKeysPerClient { get; init; } = DefaultMaxReplyKeysPerClient;

    /// <summary>
    /// Digests of taken reply keys remembered per client, so that a reply that comes again is reported as already
    /// taken rather than opened as garbage by whichever crypto replica gets it. Bounded by count rather than by age:
    /// the count is what costs disk (about 60 bytes a row, 6 MB at the default), a count bound holds however fast
    /// replies arrive and needs no clock, and it is the same bound as the keys themselves, so every key a client can
    /// have outstanding is still remembered after it is used. A repeat older than the last 100,000 replies is rare (the
    /// mix nodes' replay filter, DESIGN.md D2, already drops a replayed packet) and is then treated as any unknown
    /// digest: opened as a fragment, which almost always fails to parse.
    /// </summary>
    public int MaxTakenReplyDigestsPerClient { get; init; } = DefaultMaxTakenReplyDigestsPerClient;

    /// <summary>Clients whose keys stay loaded in memory; beyond it one is dropped and read again from disk when asked.</summary>
    public int MaxCachedClients { get; init; } = DefaultMaxCachedClients;

    /// <summary><c>&lt;home&gt;/clients</c>: Nym 1.0.1's <c>nym_root_directory</c> (nym-client-api.md §6).</summary>
    public string ClientsDirectory => Path.Combine(Home, "clients");

    /// <summary><c>&lt;home&gt;/keystore/keystore.sqlite</c>: gateway identities and reply-SURB keys.</summary>
    public string DatabasePath => Path.Combine(Home, "keystore", "keystore.sqlite");

    /// <summary>Throws <see cref="ArgumentException"/> saying which value is wrong and what it must be.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Home) || !Path.IsPathFullyQualified(Home))
        {
            throw new ArgumentException("KeyStoreOptions.Home must be an absolute directory path.", nameof(Home));
        }

        // The same rules as a token read from NYM_SERVICE_TOKEN, so that a caller given that token can always match it.
        if (!Microsoft.Extensions.Hosting.ServiceToken.TryLoad(null, _ => ServiceToken, out var token, out var error))
        {
            throw new ArgumentException($"KeyStoreOptions.ServiceToken: {error}", nameof(ServiceToken));
        }

        if (token != ServiceToken)
        {
            throw new ArgumentException("KeyStoreOptions.ServiceToken must not start or end with spaces.", nameof(ServiceToken));
        }

        if (MaxReplyKeysPerClient < 1)
        {
            throw new ArgumentException("KeyStoreOptions.MaxReplyKeysPerClient must be at least 1.", nameof(MaxReplyKeysPerClient));
        }

        if (MaxTakenReplyDigestsPerClient < 1)
        {
            throw new ArgumentException("KeyStoreOptions.MaxTakenReplyDigestsPerClient must be at least 1.", nameof(MaxTakenReplyDigestsPerClient));
        }

        if (MaxCachedClients < 1)
        {
            throw new ArgumentException("KeyStoreOptions.MaxCachedClients must be at least 1.", nameof(MaxCachedClients));
        }
    }

    /// <summary>Leaves the token out: options get logged and printed, the token must not be.</summary>
    public override string ToString() =>
        $"KeyStoreOptions {{ Home = {Home}, MaxReplyKeysPerClient = {MaxReplyKeysPerClient}, MaxTakenReplyDigestsPerClient = {MaxTakenReplyDigestsPerClient}, MaxCachedClients = {MaxCachedClients} }}";
}
