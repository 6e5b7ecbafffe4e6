using CsCheck;
using Nym.Protocol.Fragments;
using Xunit;

namespace Nym.Protocol.Tests.Fragments;

/// <summary>Split then reassemble gives the message back, whatever the size, order and duplicates.</summary>
public sealed class SplitReassemblePropertyTests
{
    /// <summary>Small messages, and sizes around the one-set / two-set / three-set boundaries (§2.3).</summary>
    private static readonly Gen<int> RegularSizes = Gen.Frequency(
        (8, Gen.Int[0, 20_000]),
        (1, Gen.Int[408_990, 409_100]),
        (1, Gen.Int[817_990, 818_100]));

    [Fact]
    public void Regular_messages_survive_any_order_and_duplicates() =>
        Gen.Select(RegularSizes, Gen.Bool, Gen.Int).Sample(
            (size, withSurb, seed) => RoundTrip(size, withSurb, seed, FragmentLayout.RegularPlaintextPerFragment),
            iter: 60);

    [Fact]
    public void Multi_megabyte_messages_survive_any_order_and_duplicates() =>
        Gen.Select(Gen.Int[1_000_000, 4_000_000], Gen.Bool, Gen.Int).Sample(
            (size, withSurb, seed) => RoundTrip(size, withSurb, seed, FragmentLayout.RegularPlaintextPerFragment),
            iter: 3, threads: 1);

    [Fact]
    public void Extended_packet_fragments_work_the_same_way() =>
        Gen.Select(Gen.OneOf(Gen.Int[0, 100_000], Gen.Int[8_240_000, 8_250_000]), Gen.Bool, Gen.Int).Sample(
            (size, withSurb, seed) => RoundTrip(size, withSurb, seed, FragmentLayout.ExtendedPlaintextPerFragment),
            iter: 4, threads: 1);

    private static void RoundTrip(int size, bool withSurb, int seed, int plaintextPerFragment)
    {
        var random = new Random(seed);
        var message = new byte[size];
        random.NextBytes(message);
        var surb = new byte[withSurb ? MessagePadding.ReplySurbLength : 0];
        random.NextBytes(surb);

        var split = MessageSplitter.Split(message, surb, plaintextPerFragment);
        Assert.All(split.Fragments, f => Assert.Equal(plaintextPerFragment, f.SerializedLength));
        Assert.Equal(FragmentLayout.TotalNumberOfSets(split.Padded.Length, plaintextPerFragment), split.SetIds.Count);

        // Every fragment once, about a fifth of them twice, all shuffled.
        var wire = split.Fragments.Select(f => f.ToBytes()).ToList();
        wire.AddRange(wire.Where(_ => random.Next(5) == 0).ToList());
        var order = wire.ToArray();
        random.Shuffle(order);

        var reassembler = new MessageReassembler(new ReassemblyOptions { PlaintextPerFragment = plaintextPerFragment, MaxBufferedBytes = 64L * 1024 * 1024 });
        ReassembledMessage? result = null;
        int completions = 0;
        foreach (var fragment in order)
        {
            var status = reassembler.TryInsert(fragment, out var message1);
            Assert.Contains(status, new[] { ReassemblyStatus.Buffered, ReassemblyStatus.Duplicate, ReassemblyStatus.Stale, ReassemblyStatus.Completed });
            if (status == ReassemblyStatus.Completed)
            {
                completions++;
                result = message1;
            }
        }

        Assert.Equal(1, completions);
        Assert.True(message.AsSpan().SequenceEqual(result!.Message.Span));
        Assert.True(surb.AsSpan().SequenceEqual(result.ReplySurb.Span));
        Assert.Equal(split.SetIds, result.SetIds);
        Assert.Equal(0, reassembler.BufferedSetCount);
        Assert.Equal(0, reassembler.BufferedBytes);
    }
}
