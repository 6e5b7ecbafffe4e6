using Nym.Protocol.Fragments;
using Xunit;

namespace Nym.Protocol.Tests.Fragments;

/// <summary>The bounds that Nym lacks: duplicates, expiry, remembered ids, inconsistent headers and memory caps.</summary>
public sealed class MessageReassemblerTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(10);

    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public void A_duplicate_is_not_counted_twice()
    {
        var f = Wire(Message(4000));
        Assert.Equal(3, f.Length);
        var reassembler = New();

        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(f[0], out _));
        Assert.Equal(ReassemblyStatus.Duplicate, reassembler.TryInsert(f[0], out _));
        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(f[1], out _));
        Assert.Equal(ReassemblyStatus.Duplicate, reassembler.TryInsert(f[1], out _));
        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(f[2], out var message));
        Assert.Equal(4000, message!.Message.Length);
    }

    [Fact]
    public void An_incomplete_message_expires_after_its_lifetime_and_not_before()
    {
        var f = Wire(Message(2000));
        var reassembler = New();
        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(f[0], out _));

        _clock.Advance(Lifetime - TimeSpan.FromTicks(1));
        reassembler.Prune();
        Assert.Equal(1, reassembler.BufferedSetCount);

        _clock.Advance(TimeSpan.FromTicks(1));
        reassembler.Prune();
        Assert.Equal(0, reassembler.BufferedSetCount);
        Assert.Equal(0, reassembler.BufferedBytes);
        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(f[1], out _));
    }

    [Fact]
    public void Activity_on_any_set_of_a_linked_message_keeps_the_whole_message()
    {
        var split = MessageSplitter.Split(Message(500_000));
        var f = split.Fragments.Select(x => x.ToBytes()).ToArray();
        Assert.Equal(2, split.SetIds.Count);
        var reassembler = New();

        foreach (var first in f[..255])
        {
            Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(first, out _));
        }

        _clock.Advance(Lifetime * 0.75);
        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(f[255], out _)); // links the second set to the first
        _clock.Advance(Lifetime * 0.75);
        foreach (var second in f[256..^1])
        {
            Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(second, out _));
        }

        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(f[^1], out var message));
        Assert.Equal(500_000, message!.Message.Length);
    }

    [Fact]
    public void A_completed_set_id_is_remembered_for_its_lifetime_only()
    {
        var f = Wire(Message(2000));
        var reassembler = New();
        reassembler.TryInsert(f[0], out _);
        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(f[1], out _));
        Assert.Equal(1, reassembler.RememberedSetIdCount);

        _clock.Advance(Remembered - TimeSpan.FromTicks(1));
        Assert.Equal(ReassemblyStatus.Stale, reassembler.TryInsert(f[0], out _));
        Assert.Equal(0, reassembler.BufferedSetCount);

        _clock.Advance(TimeSpan.FromTicks(1));
        reassembler.Prune();
        Assert.Equal(0, reassembler.RememberedSetIdCount);
        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(f[0], out _));
    }

    [Fact]
    public void Remembered_set_ids_are_capped_oldest_first()
    {
        var reassembler = New(new ReassemblyOptions { MaxRememberedSetIds = 3 });
        var singles = Enumerable.Range(0, 5).Select(i => Wire(Message(10 + i))[0]).ToArray();
        foreach (var single in singles)
        {
            Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(single, out _));
        }

        Assert.Equal(3, reassembler.RememberedSetIdCount);
        Assert.Equal(ReassemblyStatus.Stale, reassembler.TryInsert(singles[4], out _));
        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(singles[0], out _));
    }

    [Fact]
    public void An_inconsistent_fragment_is_dropped_without_disturbing_any_set()
    {
        var a = MessageSplitter.Split(Message(3000));
        var b = Wire(Message(4000));
        var reassembler = New();
        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(a.Fragments[0].ToBytes(), out _));
        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(b[0], out _));

        var forged = new Fragment(a.SetIds[0], 5, 2, null, null, new byte[100]);
        Assert.Equal(ReassemblyStatus.Inconsistent, reassembler.TryInsert(in forged, out _));

        Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(b[1], out _));
        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(b[2], out var messageB));
        Assert.Equal(4000, messageB!.Message.Length);
        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(a.Fragments[1].ToBytes(), out var messageA));
        Assert.Equal(3000, messageA!.Message.Length);
    }

    [Fact]
    public void A_flood_of_bogus_fragments_stays_within_the_caps_and_real_messages_still_complete()
    {
        var options = new ReassemblyOptions { MaxBufferedBytes = 64 * 1024, MaxBufferedSets = 16 };
        var reassembler = New(options);
        var random = new Random(7);
        var payload = new byte[1604];
        for (int i = 0; i < 3000; i++)
        {
            random.NextBytes(payload);
            var bogus = new Fragment(random.Next(1, int.MaxValue), 255, random.Next(1, 255), null, null, payload);
            Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(in bogus, out _));
            Assert.InRange(reassembler.BufferedBytes, 0, options.MaxBufferedBytes);
            Assert.InRange(reassembler.BufferedSetCount, 1, options.MaxBufferedSets);
        }

        var f = Wire(Message(10_000));
        for (int i = 0; i < f.Length - 1; i++)
        {
            Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(f[i], out _));
        }

        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(f[^1], out _));
    }

    [Fact]
    public void A_message_larger_than_the_byte_cap_is_refused_without_holding_more_than_the_cap()
    {
        var options = new ReassemblyOptions { MaxBufferedBytes = 100_000 };
        var reassembler = New(options);
        var statuses = Wire(Message(200_000)).Select(f =>
        {
            var status = reassembler.TryInsert(f, out _);
            Assert.InRange(reassembler.BufferedBytes, 0, options.MaxBufferedBytes);
            return status;
        }).ToList();

        Assert.Contains(ReassemblyStatus.OverCapacity, statuses);
        Assert.DoesNotContain(ReassemblyStatus.Completed, statuses);
    }

    [Fact]
    public void A_forged_cycle_of_linked_sets_never_completes()
    {
        const int a = 1111, b = 2222;
        var reassembler = New();
        foreach (var (id, other) in new[] { (a, b), (b, a) })
        {
            for (int current = 1; current <= 255; current++)
            {
                var fragment = new Fragment(id, 255, current, current == 1 ? other : null, current == 255 ? other : null, new byte[] { 1 });
                Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(in fragment, out _));
            }
        }

        Assert.Equal(2, reassembler.BufferedSetCount);
    }

    [Theory]
    [InlineData("02")] // unknown prefix
    [InlineData("000000")] // no 0x01 end marker
    [InlineData("0101")] // reply-SURB prefix without the SURB
    public void Content_without_a_valid_prefix_or_padding_is_a_corrupt_message(string payloadHex)
    {
        var fragment = new Fragment(42, 1, 1, null, null, Convert.FromHexString(payloadHex));
        Assert.Equal(ReassemblyStatus.CorruptMessage, New().TryInsert(in fragment, out var message));
        Assert.Null(message);
    }

    [Fact]
    public void Oversized_payloads_default_fragments_and_garbage_are_malformed()
    {
        var reassembler = New();
        var oversized = new Fragment(42, 1, 1, null, null, new byte[1605]);
        Assert.Equal(ReassemblyStatus.Malformed, reassembler.TryInsert(in oversized, out _));
        Assert.Equal(ReassemblyStatus.Malformed, reassembler.TryInsert(default(Fragment), out _));
        Assert.Equal(ReassemblyStatus.Malformed, reassembler.TryInsert(new byte[] { 1, 2, 3 }, out _));
    }

    private MessageReassembler New(ReassemblyOptions? options = null) =>
        new((options ?? new ReassemblyOptions()) with { IncompleteMessageLifetime = Lifetime, CompletedSetIdLifetime = Remembered }, _clock);

    private static byte[] Message(int length)
    {
        var message = new byte[length];
        new Random(length).NextBytes(message);
        return message;
    }

    private static byte[][] Wire(byte[] message) => MessageSplitter.Split(message).Fragments.Select(f => f.ToBytes()).ToArray();
}
