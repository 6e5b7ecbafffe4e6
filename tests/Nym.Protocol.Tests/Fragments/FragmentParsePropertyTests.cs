using CsCheck;
using Nym.Protocol.Fragments;
using Xunit;

namespace Nym.Protocol.Tests.Fragments;

/// <summary>Peer bytes never make parsing or reassembly throw; what parses serializes back to the same bytes.</summary>
public sealed class FragmentParsePropertyTests
{
    /// <summary>Real fragments of a two-set message: unlinked, first-with-previous and last-with-next headers.</summary>
    private static readonly byte[][] Originals = MakeOriginals();

    /// <summary>Random bytes, half of them with the flag bit and small total/current so that many headers parse.</summary>
    private static readonly Gen<byte[]> RandomBytes = Gen.Select(Gen.Byte.Array[0, 24], Gen.Bool).Select((bytes, plausible) =>
    {
        if (plausible && bytes.Length >= 6)
        {
            bytes[0] |= 0x80;
            bytes[4] %= 4;
            bytes[5] %= 4;
        }

        return bytes;
    });

    /// <summary>A real fragment with one byte of its first 12 changed, then cut at a random length.</summary>
    private static readonly Gen<byte[]> MutatedBytes =
        Gen.Select(Gen.Int[0, Originals.Length - 1], Gen.Int[0, 11], Gen.Byte, Gen.Int[0, 40]).Select((which, at, value, keep) =>
        {
            var bytes = Originals[which][..keep];
            if (at < bytes.Length)
            {
                bytes[at] = value;
            }

            return bytes;
        });

    [Fact]
    public void Random_bytes_parse_without_throwing_and_round_trip() =>
        RandomBytes.Sample(AssertParseRoundTrips, iter: 5000);

    [Fact]
    public void Mutated_fragments_parse_without_throwing_and_round_trip() =>
        MutatedBytes.Sample(AssertParseRoundTrips, iter: 5000);

    [Fact]
    public void Random_identifiers_parse_without_throwing() =>
        Gen.Byte.Array[0, 8].Sample(bytes =>
        {
            if (FragmentIdentifier.TryParse(bytes, out var id))
            {
                Assert.Equal(bytes, id.ToBytes());
            }
            else
            {
                Assert.True(bytes.Length != FragmentIdentifier.EncodedLength || bytes[0] >= 0x80);
            }
        }, iter: 2000);

    [Fact]
    public void A_stream_of_hostile_fragments_never_makes_the_reassembler_throw() =>
        Gen.OneOf(RandomBytes, MutatedBytes).Array[1, 60].Sample(stream =>
        {
            var reassembler = new MessageReassembler(new ReassemblyOptions { MaxBufferedBytes = 20_000, MaxBufferedSets = 8 });
            foreach (var bytes in stream)
            {
                var status = reassembler.TryInsert(bytes, out var message);
                Assert.Equal(status == ReassemblyStatus.Completed, message is not null);
                Assert.InRange(reassembler.BufferedBytes, 0, 20_000);
                Assert.InRange(reassembler.BufferedSetCount, 0, 8);
            }
        }, iter: 1000);

    private static void AssertParseRoundTrips(byte[] bytes)
    {
        if (Fragment.TryParse(bytes, out var fragment) == FragmentParseStatus.Ok)
        {
            Assert.Equal(bytes, fragment.ToBytes());
        }
    }

    private static byte[][] MakeOriginals()
    {
        var fragments = MessageSplitter.Split(new byte[420_000]).Fragments;
        return [fragments[0].ToBytes(), fragments[254].ToBytes(), fragments[255].ToBytes(), fragments[^1].ToBytes()];
    }
}
