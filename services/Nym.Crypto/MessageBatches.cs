using Google.Protobuf;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using PreparedPacket = Nym.Crypto.V1.PreparedPacket;

namespace Nym.Crypto;

/// <summary>
/// How PrepareMessage turns a message's fragments into packets (nym-mixnet.md §2): in order-preserving batches of
/// <see cref="BatchSize"/> prepared across the cores, batch n+1 being prepared while batch n is written. Public so that
/// benchmarks/Nym.CryptoBench runs this very code in-process as the service's like-for-like baseline.
/// </summary>
public static class MessageBatches
{
    /// <summary>Enough packets per batch to keep every core busy; few enough that the first packets leave early.</summary>
    public const int BatchSize = 64;

    private static readonly ByteString CoverId = ByteString.CopyFrom(FragmentIdentifier.Cover.ToBytes());

    /// <summary>Prepares every fragment's packet and hands them to <paramref name="write"/> batch by batch, in fragment order.</summary>
    /// <returns>false when the topology has no route for a fragment; the batches before it were written.</returns>
    public static async Task<bool> PrepareAsync(
        PacketPreparer preparer, NymTopology network, IReadOnlyList<Fragment> fragments, Recipient recipient,
        Func<PreparedPacket[], ValueTask> write, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        ArgumentNullException.ThrowIfNull(write);
        var next = Task.Run(() => PrepareBatch(preparer, network, fragments, recipient, 0, cancellation), cancellation);
        try
        {
            for (int start = 0; start < fragments.Count; start += BatchSize)
            {
                if (await next.ConfigureAwait(false) is not { } batch)
                {
                    return false;
                }

                if (start + BatchSize < fragments.Count)
                {
                    int following = start + BatchSize;
                    next = Task.Run(() => PrepareBatch(preparer, network, fragments, recipient, following, cancellation), cancellation);
                }

                await write(batch).ConfigureAwait(false);
            }

            return true;
        }
        finally
        {
            // When write throws (the caller went away), the batch being prepared is still running: wait for it, so that
            // its work ends with the call and any exception of its own is observed rather than left unobserved.
            await next.ContinueWith(static t => { _ = t.Exception; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
        }
    }

    /// <summary>A packet as crypto.proto carries it; <paramref name="fragment"/> empty for cover and replies.</summary>
    internal static PreparedPacket ToMessage(Nym.Protocol.Packets.PreparedPacket packet, ByteString fragment) => new()
    {
        FirstHop = UnsafeByteOperations.UnsafeWrap(packet.FirstHop.ToUnpaddedBytes()),
        SphinxPacket = UnsafeByteOperations.UnsafeWrap(packet.Packet),
        FragmentId = packet.FragmentId.IsCover ? CoverId : UnsafeByteOperations.UnsafeWrap(packet.FragmentId.ToBytes()),
        ExpectedDelayNs = packet.TotalDelayNanoseconds,
        Fragment = fragment,
    };

    /// <returns>null when a fragment has no route.</returns>
    private static PreparedPacket[]? PrepareBatch(
        PacketPreparer preparer, NymTopology network, IReadOnlyList<Fragment> fragments, Recipient recipient, int start, CancellationToken cancellation)
    {
        var batch = new PreparedPacket[Math.Min(BatchSize, fragments.Count - start)];
        bool routed = true;
        Parallel.For(0, batch.Length, new ParallelOptions { CancellationToken = cancellation }, (i, loop) =>
        {
            var fragment = fragments[start + i];
            if (!preparer.TryPrepareFragment(network, fragment, recipient, PacketSize.Regular, out var packet))
            {
                routed = false;
                loop.Stop();
                return;
            }

            batch[i] = ToMessage(packet!, UnsafeByteOperations.UnsafeWrap(fragment.ToBytes()));
        });

        return routed ? batch : null;
    }
}
