namespace Nym.Client.Api;

/// <summary>
/// What one client's websocket API lets apps and peers hold: connections, the D4 store, and how long a closing app
/// may take. The defaults are for production; tests shrink them.
/// </summary>
internal sealed record ApiLimits
{
    /// <summary>Apps connected at once; each may hold a 64 MiB receive buffer (§1), so 64 of them are up to 4 GiB.</summary>
    public int MaxApps { get; init; } = 64;

    /// <summary>Messages kept for apps while none is connected (D4): any peer can send us messages.</summary>
    public long MaxStoredMessages { get; init; } = 10_000;

    /// <summary>Bytes (messages and reply SURBs) kept for apps while none is connected (D4).</summary>
    public long MaxStoredBytes { get; init; } = 1L << 30;

    /// <summary>How long an app we close (oversize message, shutdown) gets to answer our close before it is dropped.</summary>
    public TimeSpan CloseGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an app that fell behind gets to read what is already on its way and then our close with the reason;
    /// an app that never reads again would otherwise hold its connection, and the messages kept for it, forever.
    /// </summary>
    public TimeSpan SlowAppGrace { get; init; } = TimeSpan.FromSeconds(30);
}
