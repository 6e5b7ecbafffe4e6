using System.Collections.Concurrent;
using Grpc.Core;
using Nym.KeyStore.V1;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Nym.Sphinx;

namespace Nym.Crypto;

/// <summary>What the service needs of one client to build and open its packets (keystore.proto CryptoKeys).</summary>
internal sealed class ClientKeys
{
    private readonly byte[] _encryptionPrivateKey;

    public ClientKeys(Bytes32 identity, byte[] encryptionPrivateKey, Bytes32 encryptionKey, AckKey ackKey, Bytes32 gateway)
    {
        Identity = identity;
        _encryptionPrivateKey = encryptionPrivateKey;
        EncryptionKey = encryptionKey;
        AckKey = ackKey;
        Gateway = gateway;
    }

    public Bytes32 Identity { get; }

    public Bytes32 EncryptionKey { get; }

    public ReadOnlySpan<byte> EncryptionPrivateKey => _encryptionPrivateKey;

    public AckKey AckKey { get; }

    /// <summary>The client's own gateway: where its SURB-ACKs, cover and reply SURBs lead back to.</summary>
    public Bytes32 Gateway { get; }

    public PacketPreparer Preparer(PacketDelays delays) => new(Identity, EncryptionKey, Gateway, AckKey, delays);

    public override string ToString() => nameof(ClientKeys);
}

/// <summary>
/// Clients' keys fetched from the KeyStore, kept for <see cref="CryptoOptions.KeyCacheLifetime"/> and for at most
/// <see cref="CryptoOptions.KeyCacheCapacity"/> clients (the oldest entry goes first). KeyStore answers become the
/// statuses of crypto.proto's header.
/// </summary>
internal sealed class ClientKeyCache(KeyStoreService.KeyStoreServiceClient keyStore, CryptoOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ClientKeys Keys, DateTimeOffset Fetched)> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <exception cref="RpcException">NOT_FOUND, FAILED_PRECONDITION, INVALID_ARGUMENT or UNAVAILABLE, with what to do.</exception>
    public async ValueTask<ClientKeys> GetAsync(string clientId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(clientId, out var entry) && now - entry.Fetched < options.KeyCacheLifetime)
        {
            return entry.Keys;
        }

        var keys = await FetchAsync(clientId, cancellationToken).ConfigureAwait(false);
        if (_entries.Count >= options.KeyCacheCapacity)
        {
            Evict(now);
        }

        _entries[clientId] = (keys, now);
        return keys;
    }

    /// <summary>Drops the expired entries, or the oldest one when none has expired.</summary>
    private void Evict(DateTimeOffset now)
    {
        var expired = _entries.Where(e => now - e.Value.Fetched >= options.KeyCacheLifetime).Select(e => e.Key).ToArray();
        foreach (var key in expired)
        {
            _entries.TryRemove(key, out _);
        }

        if (expired.Length == 0 && !_entries.IsEmpty)
        {
            _entries.TryRemove(_entries.MinBy(e => e.Value.Fetched).Key, out _);
        }
    }

    private async Task<ClientKeys> FetchAsync(string clientId, CancellationToken cancellationToken)
    {
        CryptoKeys reply;
        try
        {
            reply = await keyStore.GetCryptoKeysAsync(
                new ClientRef { ClientId = clientId }, deadline: DateTime.UtcNow + options.CallDeadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Translate(e, clientId);
        }

        if (reply.GatewayIdentityKey.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"client '{clientId}' has no gateway yet: let nym-client register with a gateway first (nym-client run)"));
        }

        if (reply.IdentityKey.Length != 32 || reply.EncryptionKey.Length != 32 || reply.EncryptionPrivateKey.Length != 32
            || reply.AckKey.Length != AckKey.Length || reply.GatewayIdentityKey.Length != 32)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                "the KeyStore returned keys of the wrong length: check that nym-keystore and nym-crypto are of the same release"));
        }

        return new ClientKeys(
            Bytes32.From(reply.IdentityKey.Span), reply.EncryptionPrivateKey.ToByteArray(), Bytes32.From(reply.EncryptionKey.Span),
            AckKey.FromBytes(reply.AckKey.Span), Bytes32.From(reply.GatewayIdentityKey.Span));
    }

    /// <summary>The KeyStore's answers as this service's own (crypto.proto header).</summary>
    internal RpcException Translate(RpcException e, string clientId) => e.StatusCode switch
    {
        StatusCode.NotFound => new RpcException(new Status(StatusCode.NotFound,
            $"no client '{clientId}': create it first with `nym-client init --id {clientId}`")),
        StatusCode.FailedPrecondition or StatusCode.InvalidArgument => new RpcException(new Status(e.StatusCode, e.Status.Detail)),
        StatusCode.Unauthenticated => new RpcException(new Status(StatusCode.Unavailable,
            $"the KeyStore at {options.KeyStoreUrl} refused this service's token: give nym-crypto and nym-keystore the same {Microsoft.Extensions.Hosting.ServiceToken.EnvironmentVariable}")),
        StatusCode.Cancelled => new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled")),
        _ => new RpcException(new Status(StatusCode.Unavailable,
            $"the KeyStore at {options.KeyStoreUrl} cannot be used ({e.StatusCode}: {e.Status.Detail}); check that nym-keystore is running and try again")),
    };
}
