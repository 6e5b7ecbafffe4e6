using System.Buffers;

namespace Nym.Protocol.Tests.Framing;

/// <summary>A <see cref="ReadOnlySequence{T}"/> made of several segments, as a pipe hands out what arrived in pieces.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segments(chunks[0], 0);
        var last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            var next = new Segments(chunks[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Cuts <paramref name="bytes"/> at the given offsets (any order, duplicates and out-of-range ignored).</summary>
    public static List<byte[]> Split(byte[] bytes, IEnumerable<int> cuts)
    {
        var chunks = new List<byte[]>();
        int start = 0;
        foreach (int cut in cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order())
        {
            chunks.Add(bytes[start..cut]);
            start = cut;
        }

        chunks.Add(bytes[start..]);
        return chunks;
    }
}
