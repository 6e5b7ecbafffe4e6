using System.Collections.Concurrent;
using Nym.Gateway.Storage;
using Nym.Sphinx;

namespace Nym.Gateway.Clients;

/// <summary>
/// Where a final-hop payload for a client goes (nym-mixnet.md §5.5): straight to its connection when it is online,
/// else into its inbox on disk. When a client (re)connects its inbox is written to it oldest first, and each message
/// is deleted only once written; messages that arrive meanwhile queue behind the inbox, so order is kept and nothing
/// is lost. A newly authenticated connection replaces the client's previous one (D9).
/// </summary>
public sealed class ClientDelivery(GatewayStore store, GatewayMetrics metrics, int maxStoredPerClient = ClientDelivery.DefaultMaxStoredPerClient)
{
    /// <summary>An offline client's inbox holds at most this many messages; later ones are dropped (and counted).</summary>
    public const int DefaultMaxStoredPerClient = 100_000;

    /// <summary>Nym's page size for delivering stored messages (DEFAULT_MESSAGE_RETRIEVAL_LIMIT).</summary>
    private const int InboxPage = 100;

    private readonly ConcurrentDictionary<Bytes32, ClientSession> _sessions = new();

    // One lock per stripe of clients orders "is the client live?" against "store in its inbox", so a message can
    // never be stored just after the client's inbox was found empty.
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public int ConnectedClients => _sessions.Count;

    public async Task DeliverAsync(Bytes32 client, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var stripe = Stripe(client);
        await stripe.WaitAsync(cancellationToken);
        try
        {
            if (_sessions.TryGetValue(client, out var session) && session.IsLive)
            {
                if (session.TryQueuePayload(payload))
                {
                    metrics.Pushed();
                    return;
                }

                // The client reads slower than its payloads arrive: this one and the next wait in the inbox until its
                // writer has caught up. (A connection that is ending refuses too; its writer is gone, so nothing waits.)
                session.FallBehind();
            }

            await StoreLockedAsync(client, payload, cancellationToken);
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <summary>Puts a payload in the client's inbox whether or not it is connected (the gateway is stopping).</summary>
    public async Task KeepAsync(Bytes32 client, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var stripe = Stripe(client);
        await stripe.WaitAsync(cancellationToken);
        try
        {
            await StoreLockedAsync(client, payload, cancellationToken);
        }
        finally
        {
            stripe.Release();
        }
    }

    private async Task StoreLockedAsync(Bytes32 client, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (await store.TryStoreMessageAsync(client, payload, maxStoredPerClient, cancellationToken))
        {
            metrics.Stored();
        }
        else
        {
            metrics.Dropped("inbox_full");
        }
    }

    /// <summary>Makes <paramref name="session"/> the client's connection, closing the one it replaces (D9).</summary>
    public void Attach(ClientSession session)
    {
        ClientSession? replaced = null;
        _sessions.AddOrUpdate(session.Client, session, (_, existing) =>
        {
            replaced = existing;
            return session;
        });
        replaced?.Replace();
    }

    public void Detach(ClientSession session) => _sessions.TryRemove(new KeyValuePair<Bytes32, ClientSession>(session.Client, session));

    /// <summary>Writes the client's inbox to its connection, oldest first, until it is empty; each message is deleted once written.</summary>
    public async Task WriteInboxAsync(ClientSession session, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredMessage> page;
        while ((page = await store.ReadOldestAsync(session.Client, InboxPage, cancellationToken)).Count > 0)
        {
            foreach (var message in page)
            {
                await session.SendPayloadAsync(message.Content, cancellationToken);
                await store.DeleteMessageAsync(message.Id, cancellationToken);
                metrics.DeliveredFromInbox();
            }
        }
    }

    /// <summary>Writes what is left in the inbox, then lets new messages flow to the connection directly.</summary>
    public async Task GoLiveAsync(ClientSession session, CancellationToken cancellationToken)
    {
        var stripe = Stripe(session.Client);
        while (true)
        {
            await WriteInboxAsync(session, cancellationToken);
            await stripe.WaitAsync(cancellationToken);
            try
            {
                if ((await store.ReadOldestAsync(session.Client, 1, cancellationToken)).Count == 0)
                {
                    session.GoLive();
                    return;
                }
            }
            finally
            {
                stripe.Release();
            }
        }
    }

    private SemaphoreSlim Stripe(Bytes32 client) => _stripes[(uint)client.GetHashCode() % (uint)_stripes.Length];
}
