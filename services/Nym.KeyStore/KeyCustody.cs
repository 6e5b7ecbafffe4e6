using System.Collections.Concurrent;
using Grpc.Core;
using Nym.Protocol.Keys;

namespace Nym.KeyStore;

/// <summary>Directories that hold keys: created owner-only (0700), as the files in them are 0600.</summary>
internal static class KeyDirectories
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the directory and each missing parent owner-only; existing ones keep their modes.</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        // Directory.CreateDirectory(path, mode) gives the mode to the last directory only, so create the chain one by one.
        var missing = new Stack<string>();
        for (var directory = Path.GetFullPath(path); !Directory.Exists(directory); directory = Path.GetDirectoryName(directory)!)
        {
            missing.Push(directory);
        }

        while (missing.TryPop(out var directory))
        {
            Directory.CreateDirectory(directory, OwnerOnly);
        }
    }
}

/// <summary>
/// The clients' key files under <c>&lt;home&gt;/clients/&lt;id&gt;/data</c> in Nym 1.0.1's layout (nym-client-api.md §6),
/// loaded on first use and kept in a bounded cache. Errors are gRPC statuses of keystore.proto: NOT_FOUND for an
/// unknown id, ALREADY_EXISTS for a second create, DATA_LOSS naming a damaged or missing file (never its contents).
/// One process owns a home: creates, gateway changes and cache fills run under one lock, so two concurrent creates
/// of one id give one client and one ALREADY_EXISTS; cache hits take no lock.
/// </summary>
internal sealed class KeyCustody(KeyStoreOptions options, KeyStoreDatabase database, KeyRandomness randomness, ILogger<KeyCustody> logger)
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, ClientEntry> _cache = new(StringComparer.Ordinal);

    private string DataDirectory(string clientId) => Path.Combine(options.ClientsDirectory, clientId, "data");

    private string PathOf(string clientId, KeyFile file) => Path.Combine(DataDirectory(clientId), file.Name);

    /// <summary>Generates and writes a new client's keys; ALREADY_EXISTS, with nothing touched, when any of its key files exists.</summary>
    public ClientEntry Create(string clientId)
    {
        ClientId.Check(clientId);
        lock (_gate)
        {
            if (Exists(clientId))
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists,
                    $"Client '{clientId}' already has keys in {DataDirectory(clientId)}; they were left as they are. Use another id, or GetPublicKeys for this one."));
            }

            var keys = new ClientKeys(
                IdentityKeyPair.FromPrivateKey(randomness(IdentityKeyPair.PrivateKeyLength)),
                EncryptionKeyPair.FromPrivateKey(randomness(EncryptionKeyPair.KeyLength)),
                AckKey.FromBytes(randomness(AckKey.Length)));
            // Whatever an earlier client of this id left in the database (its directory deleted by hand) is not this client's.
            database.ForgetClient(clientId);
            OnDisk(DataDirectory(clientId), () => KeyDirectories.Create(DataDirectory(clientId)));
            // Nym's order: for a key pair the public key first (nym-client-api.md §6).
            Write(clientId, KeyFile.PublicIdentity, keys.Identity.PublicKey.AsReadOnlySpan());
            Write(clientId, KeyFile.PrivateIdentity, keys.Identity.PrivateKey);
            Write(clientId, KeyFile.PublicEncryption, keys.Encryption.PublicKey.AsReadOnlySpan());
            Write(clientId, KeyFile.PrivateEncryption, keys.Encryption.PrivateKey);
            Write(clientId, KeyFile.Ack, keys.Ack.Bytes);
            var entry = new ClientEntry(keys, null);
            Remember(clientId, entry);
            return entry;
        }
    }

    /// <summary>The client's keys and gateway: NOT_FOUND for an unknown id, DATA_LOSS when a key file is damaged.</summary>
    public ClientEntry Get(string clientId)
    {
        ClientId.Check(clientId);
        if (_cache.TryGetValue(clientId, out var cached))
        {
            return cached;
        }

        lock (_gate)
        {
            return GetLocked(clientId);
        }
    }

    /// <summary>Writes gateway_shared.pem and remembers the gateway's identity, replacing an earlier gateway.</summary>
    public void SetGateway(string clientId, byte[] gatewayIdentity, ReadOnlySpan<byte> sharedKeys)
    {
        ClientId.Check(clientId);
        lock (_gate)
        {
            var entry = GetLocked(clientId);
            Write(clientId, KeyFile.GatewayShared, sharedKeys);
            database.SetGateway(clientId, gatewayIdentity);
            Remember(clientId, entry with { GatewayIdentity = gatewayIdentity });
        }
    }

    /// <summary>The keys of gateway_shared.pem, read on each call (the client asks when it connects, not per packet).</summary>
    public byte[] ReadGatewaySharedKeys(string clientId) => Read(clientId, KeyFile.GatewayShared);

    private ClientEntry GetLocked(string clientId)
    {
        if (_cache.TryGetValue(clientId, out var cached))
        {
            return cached;
        }

        if (!Exists(clientId))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"no client '{clientId}': create it first (nym-client init --id {clientId})."));
        }

        var identity = IdentityKeyPair.FromPrivateKey(Read(clientId, KeyFile.PrivateIdentity));
        CheckMatches(clientId, KeyFile.PublicIdentity, identity.PublicKey.AsReadOnlySpan(), KeyFile.PrivateIdentity);
        var encryption = EncryptionKeyPair.FromPrivateKey(Read(clientId, KeyFile.PrivateEncryption));
        CheckMatches(clientId, KeyFile.PublicEncryption, encryption.PublicKey.AsReadOnlySpan(), KeyFile.PrivateEncryption);
        var gateway = database.GetGateway(clientId);
        if (gateway is not null && (gateway.Length != IdentityKeyPair.PublicKeyLength || !Nym.Protocol.Addressing.Ed25519Point.CanDecompress(gateway)))
        {
            throw DataLoss($"{options.DatabasePath}: the gateway identity stored for client '{clientId}' is not an Ed25519 public key. Register the client with a gateway again.");
        }

        var entry = new ClientEntry(new ClientKeys(identity, encryption, AckKey.FromBytes(Read(clientId, KeyFile.Ack))), gateway);
        Remember(clientId, entry);
        return entry;
    }

    private bool Exists(string clientId) => KeyFile.ClientKeys.Any(file => File.Exists(PathOf(clientId, file)));

    private void Remember(string clientId, ClientEntry entry)
    {
        // Bounded: when full, drop any one entry; it is read again from its files if asked for.
        if (!_cache.ContainsKey(clientId) && _cache.Count >= options.MaxCachedClients)
        {
            foreach (var key in _cache.Keys.Take(1))
            {
                _cache.TryRemove(key, out _);
            }
        }

        _cache[clientId] = entry;
    }

    private byte[] Read(string clientId, KeyFile file)
    {
        if (!PemFile.TryRead(PathOf(clientId, file), file.Tag, file.Length, out var contents, out var error))
        {
            throw DataLoss($"{error}. Restore the file from a backup, or create the client again under a new id.");
        }

        return contents;
    }

    private void CheckMatches(string clientId, KeyFile publicFile, ReadOnlySpan<byte> derived, KeyFile privateFile)
    {
        if (!derived.SequenceEqual(Read(clientId, publicFile)))
        {
            throw DataLoss($"{PathOf(clientId, publicFile)}: it does not hold the public key of {privateFile.Name}. Restore the pair from a backup.");
        }
    }

    private RpcException DataLoss(string message)
    {
        Log.DamagedKeyFile(logger, message);
        return new RpcException(new Status(StatusCode.DataLoss, message));
    }

    private void Write(string clientId, KeyFile file, ReadOnlySpan<byte> contents)
    {
        var path = PathOf(clientId, file);
        var copy = contents.ToArray();
        OnDisk(path, () => PemFile.Write(path, file.Tag, copy));
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(copy);
    }

    private void OnDisk(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"cannot write {path}: {e.Message}. Check the disk and the permissions of {options.Home}."));
        }
    }
}

internal static partial class Log
{
    // The message names the file and what is wrong with it; PemFile's errors never quote a file's contents.
    [LoggerMessage(Level = LogLevel.Warning, Message = "A key file is damaged: {Problem}")]
    public static partial void DamagedKeyFile(ILogger logger, string problem);
}
