using Google.Protobuf;
using Grpc.Core;
using Nym.Protocol.Addressing;
using Nym.Protocol.Keys;
using Nym.Sphinx;
using Nym.KeyStore.V1;

namespace Nym.KeyStore;

/// <summary>
/// keystore.proto's KeyStoreService. The token was checked before any of this runs (RequireServiceToken in MapKeyStore); each
/// method checks its arguments, then the client, and answers with the statuses the contract lists.
/// </summary>
internal sealed class KeyStoreGrpcService(KeyCustody custody, KeyStoreDatabase database, KeyStoreMetrics metrics) : KeyStoreService.KeyStoreServiceBase
{
    /// <summary>keystore.proto SignRequest: the service signs handshake messages, not documents.</summary>
    public const int MaxSignedMessageLength = 1024;

    /// <summary>keystore.proto TakeReplyKeysRequest; the same bound for a store, so that one call stays well under the message size limit.</summary>
    public const int MaxReplyKeysPerCall = 10_000;

    private const int DigestLength = 32, ReplyKeyLength = 16, BatchIdLength = 16;

    public override Task<ClientPublicKeys> CreateClient(CreateClientRequest request, ServerCallContext context)
    {
        var entry = custody.Create(request.ClientId);
        metrics.ClientCreated();
        return Task.FromResult(PublicKeys(entry));
    }

    public override Task<ClientPublicKeys> GetPublicKeys(ClientRef request, ServerCallContext context) =>
        Task.FromResult(PublicKeys(custody.Get(request.ClientId)));

    public override Task<SignResponse> Sign(SignRequest request, ServerCallContext context)
    {
        if (request.Message.Length > MaxSignedMessageLength)
        {
            throw Invalid($"message is {request.Message.Length} bytes; the KeyStore signs at most {MaxSignedMessageLength} (handshake messages).");
        }

        var signature = custody.Get(request.ClientId).Keys.Identity.Sign(request.Message.Span);
        metrics.Signed();
        return Task.FromResult(new SignResponse { Signature = ByteString.CopyFrom(signature) });
    }

    public override Task<CryptoKeys> GetCryptoKeys(ClientRef request, ServerCallContext context)
    {
        var entry = custody.Get(request.ClientId);
        var keys = entry.Keys;
        return Task.FromResult(new CryptoKeys
        {
            IdentityKey = ByteString.CopyFrom(keys.Identity.PublicKey.AsReadOnlySpan()),
            EncryptionPrivateKey = ByteString.CopyFrom(keys.Encryption.PrivateKey),
            EncryptionKey = ByteString.CopyFrom(keys.Encryption.PublicKey.AsReadOnlySpan()),
            AckKey = ByteString.CopyFrom(keys.Ack.Bytes),
            // Empty until SetGatewayKeys, as in ClientPublicKeys: the crypto service decides what it can do without one.
            GatewayIdentityKey = entry.GatewayIdentity is { } gateway ? ByteString.CopyFrom(gateway) : ByteString.Empty,
        });
    }

    public override Task<SetGatewayKeysResponse> SetGatewayKeys(SetGatewayKeysRequest request, ServerCallContext context)
    {
        ClientId.Check(request.ClientId);
        if (request.GatewayIdentityKey.Length != IdentityKeyPair.PublicKeyLength || !Ed25519Point.CanDecompress(request.GatewayIdentityKey.Span))
        {
            throw Invalid($"gateway_identity_key must be the gateway's {IdentityKeyPair.PublicKeyLength}-byte Ed25519 public key.");
        }

        if (request.SharedKeys.Length != KeyFile.GatewayShared.Length)
        {
            throw Invalid($"shared_keys must be {KeyFile.GatewayShared.Length} bytes (AES-128 key followed by the MAC key), got {request.SharedKeys.Length}.");
        }

        custody.SetGateway(request.ClientId, request.GatewayIdentityKey.ToByteArray(), request.SharedKeys.Span);
        return Task.FromResult(new SetGatewayKeysResponse());
    }

    public override Task<GatewayKeys> GetGatewayKeys(ClientRef request, ServerCallContext context)
    {
        var gateway = RequireGateway(request.ClientId, custody.Get(request.ClientId));
        return Task.FromResult(new GatewayKeys
        {
            GatewayIdentityKey = ByteString.CopyFrom(gateway),
            SharedKeys = ByteString.CopyFrom(custody.ReadGatewaySharedKeys(request.ClientId)),
        });
    }

    public override Task<StoreReplyKeysResponse> StoreReplyKeys(StoreReplyKeysRequest request, ServerCallContext context)
    {
        ClientId.Check(request.ClientId);
        CheckCount(request.Keys.Count, "keys");
        foreach (var key in request.Keys)
        {
            if (key.Digest.Length != DigestLength || key.Key.Length != ReplyKeyLength)
            {
                throw Invalid($"every reply key is a {DigestLength}-byte digest and a {ReplyKeyLength}-byte key (nym-mixnet.md §4).");
            }
        }

        // Keys only for a client that exists (NOT_FOUND otherwise), as for every other call.
        custody.Get(request.ClientId);
        var (added, dropped) = database.StoreReplyKeys(request.ClientId, [.. request.Keys.Select(k => (k.Digest.ToByteArray(), k.Key.ToByteArray()))]);
        metrics.ReplyKeysStored(added, dropped);
        return Task.FromResult(new StoreReplyKeysResponse());
    }

    public override Task<TakeReplyKeysResponse> TakeReplyKeys(TakeReplyKeysRequest request, ServerCallContext context)
    {
        ClientId.Check(request.ClientId);
        CheckCount(request.Digests.Count, "digests");
        if (request.Digests.Any(d => d.Length != DigestLength))
        {
            throw Invalid($"every digest is {DigestLength} bytes (nym-mixnet.md §4).");
        }

        if (request.BatchId.Length is not (0 or BatchIdLength))
        {
            throw Invalid($"batch_id is {BatchIdLength} random bytes or empty, got {request.BatchId.Length} bytes.");
        }

        custody.Get(request.ClientId);
        var (taken, alreadyTaken) = database.TakeReplyKeys(
            request.ClientId, request.Digests.Select(d => d.ToByteArray()), request.BatchId.IsEmpty ? null : request.BatchId.ToByteArray());
        metrics.ReplyKeysTaken(taken.Count, alreadyTaken.Count);
        var response = new TakeReplyKeysResponse();
        response.Keys.AddRange(taken.Select(t => new ReplyKey { Digest = ByteString.CopyFrom(t.Digest), Key = ByteString.CopyFrom(t.Key) }));
        response.AlreadyTaken.AddRange(alreadyTaken.Select(d => UnsafeByteOperations.UnsafeWrap(d)));
        return Task.FromResult(response);
    }

    private static ClientPublicKeys PublicKeys(ClientEntry entry)
    {
        var keys = entry.Keys;
        var response = new ClientPublicKeys
        {
            IdentityKey = ByteString.CopyFrom(keys.Identity.PublicKey.AsReadOnlySpan()),
            EncryptionKey = ByteString.CopyFrom(keys.Encryption.PublicKey.AsReadOnlySpan()),
        };
        if (entry.GatewayIdentity is { } gateway)
        {
            response.GatewayIdentityKey = ByteString.CopyFrom(gateway);
            // nym-client-api.md §4: "<identity>.<encryption>@<gateway>" in base58.
            response.Address = new Recipient(keys.Identity.PublicKey, keys.Encryption.PublicKey, Bytes32.From(gateway)).ToBase58String();
        }

        return response;
    }

    private static byte[] RequireGateway(string clientId, ClientEntry entry) => entry.GatewayIdentity
        ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            $"client '{clientId}' has not registered with a gateway yet: register it (nym-client init) before connecting."));

    private static void CheckCount(int count, string what)
    {
        if (count > MaxReplyKeysPerCall)
        {
            throw Invalid($"{count} {what} in one call; send at most {MaxReplyKeysPerCall} per call.");
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
