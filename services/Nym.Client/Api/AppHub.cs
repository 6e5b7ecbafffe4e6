using System.Net.WebSockets;
using Nym.Client.Core;

namespace Nym.Client.Api;

/// <summary>
/// The apps connected to the websocket API. Unlike Nym 1.0.1 (one app at a time, §5) any number may be connected,
/// and each gets every message (D3); while none is, messages go to the <see cref="ReceivedStore"/> (D4).
/// </summary>
internal sealed partial class AppHub(IMixnetSession session, ReceivedStore store, ILogger<AppHub> logger)
{
    private readonly Lock _lock = new();
    private readonly HashSet<AppConnection> _apps = [];

    public IMixnetSession Session => session;

    public ReceivedStore Store => store;

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

    /// <summary>Hands every received message to the connected apps, or to the store when there are none.</summary>
    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in session.ReceiveAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    if (_apps.Count == 0)
                    {
                        store.Add(message);
                        continue;
                    }

                    foreach (var app in _apps)
                    {
                        app.Push(message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Serves one app's websocket until it ends.</summary>
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
                        store.Add(message);
                    }
                }
            }

            ClientMetrics.AppConnections(-1);
            Log.Disconnected(logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "An app connected to the websocket API")]
        public static partial void Connected(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "An app disconnected from the websocket API")]
        public static partial void Disconnected(ILogger logger);
    }
}
