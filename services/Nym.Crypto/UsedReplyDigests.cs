using Nym.Sphinx;

namespace Nym.Crypto;

/// <summary>
/// The digests of reply keys this process has used, most recent first out last. The KeyStore deletes a key when it
/// hands it out, so a reply pushed again finds no key; without this memory its bytes would then be decrypted as a
/// fragment (Nym's payload encryption has no MAC, nym-mixnet.md §2.2) and come back as garbage instead of dropped.
/// Bounded: the oldest digests are forgotten first. Digests are random 32-byte hashes, so one set serves all clients.
/// </summary>
internal sealed class UsedReplyDigests(int capacity = UsedReplyDigests.DefaultCapacity)
{
    public const int DefaultCapacity = 100_000;

    private readonly Lock _lock = new();
    private readonly HashSet<Bytes32> _set = [];
    private readonly Queue<Bytes32> _order = new();

    public bool Contains(in Bytes32 digest)
    {
        lock (_lock)
        {
            return _set.Contains(digest);
        }
    }

    public void Add(in Bytes32 digest)
    {
        lock (_lock)
        {
            if (!_set.Add(digest))
            {
                return;
            }

            _order.Enqueue(digest);
            if (_order.Count > capacity)
            {
                _set.Remove(_order.Dequeue());
            }
        }
    }
}
