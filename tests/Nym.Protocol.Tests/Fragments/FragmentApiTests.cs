using Nym.Protocol.Fragments;
using Xunit;

namespace Nym.Protocol.Tests.Fragments;

/// <summary>What callers may and may not do with the building blocks.</summary>
public sealed class FragmentApiTests
{
    [Fact]
    public void A_new_reply_id_is_a_random_reply_id()
    {
        var a = FragmentIdentifier.NewReply();
        var b = FragmentIdentifier.NewReply();
        Assert.True(a.IsReply);
        Assert.False(a.IsCover);
        Assert.NotEqual(a, b);
        Assert.True(FragmentIdentifier.Cover.IsCover);
        Assert.Equal(new byte[5], FragmentIdentifier.Cover.ToBytes());
    }

    [Fact]
    public void A_set_id_drawn_twice_for_one_message_is_drawn_again()
    {
        var draws = new Queue<int>([7, 7, 9, 7, 9, 11]);
        var split = MessageSplitter.Split(new byte[900_000], nextSetId: draws.Dequeue);
        Assert.Equal(new[] { 7, 9, 11 }, split.SetIds);
        Assert.Empty(draws);
        Assert.Equal(new FragmentIdentifier(9, 255), split.Fragments[509].Identifier);
    }

    [Fact]
    public void Caller_bugs_throw()
    {
        Assert.Throws<InvalidOperationException>(() => MessageSplitter.Split([1, 2, 3], nextSetId: () => 0));
        Assert.Throws<ArgumentException>(() => MessageSplitter.Split([1, 2, 3], replySurb: new byte[100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageSplitter.Split([1, 2, 3], plaintextPerFragment: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Fragment(1, 3, 4, null, null, default));
        Assert.Throws<ArgumentException>(() => new Fragment(1, 3, 2, 5, null, default));
        Assert.Throws<ArgumentException>(() => new Fragment(1, 255, 255, null, 1, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FragmentIdentifier(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MessageReassembler(new ReassemblyOptions { MaxBufferedBytes = 100 }));
    }

    [Fact]
    public void Split_fragments_alias_the_padded_message_instead_of_copying_it()
    {
        var split = MessageSplitter.Split(new byte[5000]);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(split.Padded, out var padded));
        Assert.All(split.Fragments, f =>
        {
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(f.Payload, out var payload));
            Assert.Same(padded.Array, payload.Array);
        });
    }
}
