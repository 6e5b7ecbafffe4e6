using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Nym.Protocol.Fragments;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Fragments;

/// <summary>Every case of nym-fragments.json: splitting, the required-fragments table, identifiers and parsing.</summary>
public sealed class FragmentVectorTests
{
    private const string File = "nym-fragments.json";

    public static TheoryData<string> SplitCases => VectorFile.CaseNames(File, "split");

    public static TheoryData<string> TableCases => VectorFile.CaseNames(File, "required_fragments_table");

    public static TheoryData<string> IdentifierCases => VectorFile.CaseNames(File, "fragment_identifier");

    public static TheoryData<string> ParseCases => VectorFile.CaseNames(File, "fragment_parse");

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Split_reproduces_every_fragment(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var (message, replySurb) = Inputs(c);
        var e = c.Expected;
        var setIds = new Queue<int>(c.Inputs["set_ids"].Items().Select(n => n.Int()));

        var split = MessageSplitter.Split(message, replySurb, FragmentLayout.RegularPlaintextPerFragment, setIds.Dequeue);

        Assert.Empty(setIds);
        var padded = split.Padded.Span;
        Assert.Equal(e["padded_length"].Int(), padded.Length);
        Assert.Equal(e["padded_sha256"].Str(), SHA256.HashData(padded).ToHex());
        Assert.Equal(e["prefixed_length"].Int(), MessagePadding.PrefixedLength(message.Length, replySurb.Length > 0));
        // M'' = M' ‖ 0x01 ‖ 0x00^space_left
        Assert.Equal(0x01, padded[e["prefixed_length"].Int()]);
        Assert.Equal(e["space_left"].Int(), padded.Length - e["prefixed_length"].Int() - 1);
        Assert.False(padded[(e["prefixed_length"].Int() + 1)..].ContainsAnyExcept((byte)0));

        var fragments = split.Fragments.Select(f => f.ToBytes()).ToArray();
        Assert.Equal(e["fragment_count"].Int(), fragments.Length);
        Assert.All(fragments, f => Assert.Equal(FragmentLayout.RegularPlaintextPerFragment, f.Length));
        Assert.Equal(e["fragment_headers"].Items().Select(h => h.Str()), split.Fragments.Select((f, i) => fragments[i][..f.HeaderLength].ToHex()));
        if (e["fragments"] is JsonArray full)
        {
            Assert.Equal(full.Select(f => f.Str()), fragments.Select(f => f.ToHex()));
        }
        else
        {
            Assert.Equal(e["fragments_sha256"].Items().Select(h => h.Str()), fragments.Select(f => SHA256.HashData(f).ToHex()));
        }

        Assert.Equal(e["first_fragment"].Str(), fragments[0].ToHex());
        Assert.Equal(e["last_fragment"].Str(), fragments[^1].ToHex());
        Assert.Equal(e["sets"].Items().Select(s => s.ToJsonString()), SetsOf(split).Select(s => s.ToJsonString()));
        Assert.Equal(e["sets"].Items().Select(s => s["set_id"].Int()), split.SetIds);
    }

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Reassembly_completes_exactly_at_the_last_fragment(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var fragments = MessageSplitter.Split(Inputs(c).Message, Inputs(c).ReplySurb, FragmentLayout.RegularPlaintextPerFragment,
            new Queue<int>(c.Inputs["set_ids"].Items().Select(n => n.Int())).Dequeue).Fragments.Select(f => f.ToBytes()).ToArray();
        new Random(name.Length).Shuffle(fragments);
        var reassembler = new MessageReassembler();

        for (int i = 0; i < fragments.Length - 1; i++)
        {
            Assert.Equal(ReassemblyStatus.Buffered, reassembler.TryInsert(fragments[i], out _));
        }

        Assert.Equal(ReassemblyStatus.Completed, reassembler.TryInsert(fragments[^1], out var message));
        var expected = c.Expected["reassembly"]!;
        Assert.Equal(expected["used_sets"].Items().Select(n => n.Int()), message!.SetIds);
        Assert.Equal(expected["message_sha256"].Str(), SHA256.HashData(message.Message.Span).ToHex());
        Assert.Equal(expected["reply_surb"]?.Str() ?? "", message.ReplySurb.Span.ToHex());
        Assert.Equal(0, reassembler.BufferedSetCount);
        Assert.Equal(0, reassembler.BufferedBytes);
    }

    [Theory]
    [MemberData(nameof(TableCases))]
    public void Required_fragments_match_the_table(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        int plaintext = c.Inputs["plaintext_per_fragment"].Int();
        foreach (var row in c.Expected["rows"].Items())
        {
            long length = (long)row["length"].U64();
            Assert.Equal(row["sets"].Int(), FragmentLayout.TotalNumberOfSets(length, plaintext));
            Assert.Equal((row["fragments"].Int(), row["space_left"].Int()), FragmentLayout.RequiredFragments(length, plaintext));
        }
    }

    [Theory]
    [MemberData(nameof(IdentifierCases))]
    public void Fragment_identifiers_encode_and_parse(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var e = c.Expected;
        if (c.Inputs["bytes"] is { } bytes)
        {
            Assert.Equal(e["error"] is null, FragmentIdentifier.TryParse(bytes.Hex(), out _));
            return;
        }

        var id = new FragmentIdentifier(c.Inputs["set_id"].Int(), (byte)c.Inputs["position"].Int());
        Assert.Equal(e["bytes"].Str(), id.ToBytes().ToHex());
        Assert.Equal((bool)e["is_reply"]!, id.IsReply);
        Assert.Equal((bool)e["is_cover"]!, id.IsCover);
        Assert.True(FragmentIdentifier.TryParse(e["bytes"].Hex(), out var parsed));
        Assert.Equal(id, parsed);
    }

    [Theory]
    [MemberData(nameof(ParseCases))]
    public void Fragment_parse_gives_the_result_or_the_error(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var bytes = c.Inputs["bytes"].Hex();
        var status = Fragment.TryParse(bytes, out var fragment);
        if (c.Expected["error"] is { } error)
        {
            Assert.Equal(error.Str(), status.ToString());
            return;
        }

        Assert.Equal(FragmentParseStatus.Ok, status);
        var r = c.Expected["result"]!;
        Assert.Equal(r["set_id"].Int(), fragment.SetId);
        Assert.Equal(r["total"].Int(), fragment.Total);
        Assert.Equal(r["current"].Int(), fragment.Current);
        Assert.Equal((int?)r["previous_set_id"], fragment.PreviousSetId);
        Assert.Equal((int?)r["next_set_id"], fragment.NextSetId);
        Assert.Equal(r["header_length"].Int(), fragment.HeaderLength);
        Assert.Equal(r["payload"].Str(), fragment.Payload.Span.ToHex());
        Assert.Equal(bytes, fragment.ToBytes());
    }

    /// <summary>The message and SURB of a split case, checked against message_sha256.</summary>
    private static (byte[] Message, byte[] ReplySurb) Inputs(VectorCase c)
    {
        var i = c.Inputs;
        byte[] message;
        if (i["message"] is { } hex)
        {
            message = hex.Hex();
        }
        else
        {
            int mul = i["message_pattern"]!["mul"].Int();
            int add = i["message_pattern"]!["add"].Int();
            message = new byte[i["message_length"].Int()];
            for (int k = 0; k < message.Length; k++)
            {
                message[k] = (byte)((((long)mul * k) + add) % 256);
            }
        }

        Assert.Equal(i["message_sha256"].Str(), SHA256.HashData(message).ToHex());
        return (message, i["reply_surb"] is { } surb ? surb.Hex() : []);
    }

    /// <summary>The sets as the vectors describe them, read back from the fragments' headers.</summary>
    private static IEnumerable<JsonObject> SetsOf(FragmentedMessage split) =>
        split.Fragments.GroupBy(f => f.SetId).Select(set => new JsonObject
        {
            ["set_id"] = set.Key,
            ["fragment_count"] = set.Count(),
            ["previous_set_id"] = set.First().PreviousSetId,
            ["next_set_id"] = set.Last().NextSetId,
        });
}
