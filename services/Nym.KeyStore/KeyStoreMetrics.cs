using System.Diagnostics.Metrics;

namespace Nym.KeyStore;

/// <summary>
/// The <c>Nym.KeyStore</c> meter (<see cref="KeyStoreServiceExtensions.MeterName"/>). Aggregates only: no tag carries
/// a client id, a key or a digest (DESIGN.md principle 2).
/// </summary>
internal sealed class KeyStoreMetrics
{
    private readonly Counter<long> _clientsCreated;
    private readonly Counter<long> _signatures;
    private readonly Counter<long> _replyKeysStored;
    private readonly Counter<long> _replyKeysDropped;
    private readonly Counter<long> _replyKeysTaken;
    private readonly Counter<long> _replyKeysRepeated;
    private readonly Counter<long> _unauthenticated;

    public KeyStoreMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(KeyStoreServiceExtensions.MeterName);
        _clientsCreated = meter.CreateCounter<long>("nym.keystore.clients.created", "{client}", "Clients whose keys were generated and written.");
        _signatures = meter.CreateCounter<long>("nym.keystore.signatures", "{signature}", "Signatures made with clients' identity keys.");
        _replyKeysStored = meter.CreateCounter<long>("nym.keystore.reply_keys.stored", "{key}", "Reply-SURB keys stored.");
        _replyKeysDropped = meter.CreateCounter<long>("nym.keystore.reply_keys.dropped", "{key}", "Oldest reply-SURB keys dropped because a client had too many.");
        _replyKeysTaken = meter.CreateCounter<long>("nym.keystore.reply_keys.taken", "{key}", "Reply-SURB keys handed out (and deleted) to open replies.");
        _replyKeysRepeated = meter.CreateCounter<long>("nym.keystore.reply_keys.repeated", "{key}", "Digests asked for again after their key was taken: replies that came twice.");
        _unauthenticated = meter.CreateCounter<long>("nym.keystore.calls.unauthenticated", "{call}", "Calls refused for a missing or wrong service token.");
    }

    public void ClientCreated() => _clientsCreated.Add(1);

    public void Signed() => _signatures.Add(1);

    public void ReplyKeysStored(int stored, int dropped)
    {
        _replyKeysStored.Add(stored);
        _replyKeysDropped.Add(dropped);
    }

    public void ReplyKeysTaken(int taken, int alreadyTaken)
    {
        _replyKeysTaken.Add(taken);
        _replyKeysRepeated.Add(alreadyTaken);
    }

    public void Unauthenticated() => _unauthenticated.Add(1);
}
