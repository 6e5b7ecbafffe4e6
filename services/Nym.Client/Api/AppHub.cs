using System.Net.WebSockets;
using Microsoft.Data.Sqlite;
using Nym.Client.Core;

namespace Nym.Client.Api;

/// <summary>
/// The apps connected to the websocket API. Unlike Nym 1.0.1 (one app at a time, §5) up to
/// <see cref="ApiLimits.MaxApps"/> may be connected, and each gets every message (D3); while none is, messages go to
/// the <see cref="ReceivedStore"/> (D4).
/// </summary>
internal sealed partial class AppHub(IMixnetSession session, ReceivedStore store, ApiLimits limits, ILogger<AppHub> logger)
{
    private readonly Lock _lock = new();
    private readonly HashSet<AppConnection> _apps = [];
    private int _admitted;
    private bool _storeFull;

    public IMixnetSession Session => session;

    public ReceivedStore Store => store;

    public ApiLimits Limits => limits;

    public int ConnectedApps
    {
        get
        {
            lock (_lock)
            {
                return _apps.Count;
            }
        }
    }

    /// <summary>
    /// Hands every received message to the connected apps, or to the store when there are none, until the session's
    /// stream ends (it ends once the session stops receiving, after what it had already received: D4 loses nothing on
    /// a graceful stop) or <paramref name="abandon"/> fires.
    /// </summary>
    public async Task DispatchAsync(CancellationToken abandon)
    {
        try
        {
            await foreach (var message in session.ReceiveAllAsync(abandon).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    if (_apps.Count == 0)
                    {
                        Keep(message);
                        continue;
                    }

                    foreach (var app in _apps)
                    {
                        if (!app.Push(message))
                        {
                            KeepFromClosingApp(message);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // The host's shutdown timeout passed.
        }
    }

    /// <summary>Counts one more app, or refuses it (false) when <see cref="ApiLimits.MaxApps"/> are already connected.</summary>
    public bool TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) <= limits.MaxApps)
        {
            return true;
        }

        Interlocked.Decrement(ref _admitted);
        ApiMetrics.AppRefused();
        Log.Refused(logger, limits.MaxApps);
        return false;
    }

    /// <summary>Counts out an admitted app that never got to <see cref="ServeAsync"/>.</summary>
    public void Release() => Interlocked.Decrement(ref _admitted);

    /// <summary>Serves one admitted app's websocket until it ends, then counts it out.</summary>
    public async Task ServeAsync(WebSocket socket, bool binary, CancellationToken stopping)
    {
        using var app = new AppConnection(socket, this, binary, logger);
        lock (_lock)
        {
            _apps.Add(app);
        }

        ClientMetrics.AppConnections(+1);
        Log.Connected(logger);
        try
        {
            await app.RunAsync(stopping).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _apps.Remove(app);
                // D4: messages this app was given but never sent are kept for the next app when it was the last.
                foreach (var message in app.Unsent())
                {
                    if (_apps.Count == 0)
                    {
                        Keep(message);
                    }
                }
            }

            Release();
            ClientMetrics.AppConnections(-1);
            Log.Disconnected(logger);
        }
    }

    /// <summary>
    /// A closing app holds as many messages as it may: when it is the only app, the rest go to the store as if no app
    /// were connected (D4); otherwise the apps still open have them, and this one is counted as not getting it.
    /// </summary>
    private void KeepFromClosingApp(InboundMessage message)
    {
        if (_apps.Count == 1)
        {
            Keep(message);
            return;
        }

        ApiMetrics.MessageNotKept("app_closing");
        Log.NotKeptForClosingApp(logger, AppConnection.LateCapacity);
    }

    /// <summary>
    /// Into the store. A full store or a failing disk must not stop the client (the apps and sending go on), so the
    /// message is counted, logged and let go: it was already taken from the gateway, so there is nowhere else to keep it.
    /// </summary>
    private void Keep(InboundMessage message)
    {
        try
        {
            bool added = store.Add(message);
            if (!added)
            {
                ApiMetrics.MessageNotKept("store_full");
                if (!_storeFull)
                {
                    // Once per filling, not per message: a peer flooding us must not flood the log as well.
                    Log.StoreFull(logger, limits.MaxStoredMessages, limits.MaxStoredBytes);
                }
            }

            _storeFull = !added;
        }
        catch (SqliteException e)
        {
            ApiMetrics.MessageNotKept("store_error");
            Log.StoreFailed(logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "An app connected to the websocket API")]
        public static partial void Connected(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "An app disconnected from the websocket API")]
        public static partial void Disconnected(ILogger logger);

        [LoggerMessage(Level = LogLevel.Warning, Message = "An app was refused: {MaxApps} apps are already connected to the websocket API")]
        public static partial void Refused(ILogger logger, int maxApps);

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "The store of messages for apps is full ({MaxMessages} messages or {MaxBytes} bytes): new messages are not kept until an app connects and empties it")]
        public static partial void StoreFull(ILogger logger, long maxMessages, long maxBytes);

        [LoggerMessage(Level = LogLevel.Error, Message = "A received message was not kept: the store of messages for apps failed; check the disk of the client's data directory")]
        public static partial void StoreFailed(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "A closing app already had {Capacity} messages it had not read; it does not get this one (the other apps do)")]
        public static partial void NotKeptForClosingApp(ILogger logger, int capacity);
    }
}
