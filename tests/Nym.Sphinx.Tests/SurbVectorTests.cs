using Nym.TestVectors;
using Xunit;
using static Nym.Sphinx.Tests.VectorHelpers;

namespace Nym.Sphinx.Tests;

/// <summary>Every case of sphinx-surb.json.</summary>
public sealed class SurbVectorTests
{
    private const string File = "sphinx-surb.json";

    public static TheoryData<string> ValidCases => VectorFile.CaseNames(File, "valid");

    public static TheoryData<string> ParseErrorCases => VectorFile.CaseNames(File, "parse_error");

    public static TheoryData<string> ParseOkCases => VectorFile.CaseNames(File, "parse_ok");

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void Surb_is_built_used_and_processed_as_expected(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var surb = Surb.Create(Route(c.Inputs), Delays(c.Inputs), Destination(c.Inputs),
            c.Inputs["surb_initial_secret"].Hex(), c.Inputs["final_hop_padding"].Hex());

        Assert.Equal(c.Expected["surb"].Str(), surb.ToBytes().ToHex());
        Assert.Equal(c.Expected["surb_length"].Int(), surb.SerializedLength);
        Assert.Equal(c.Expected["surb_header"].Str(), surb.Header.ToHex());
        Assert.Equal(c.Expected["first_hop_address"].Str(), surb.FirstHop.ToArray().ToHex());
        Assert.Equal(c.Expected["payload_keys"].Items().Select(k => k.Str()), Enumerable.Range(0, surb.HopCount).Select(i => surb.PayloadKey(i).ToHex()));

        var packet = new byte[SphinxConstants.HeaderLength + c.Inputs["payload_size"].Int()];
        surb.UseWith(c.Inputs["message"].Hex(), packet);
        Assert.Equal(c.Expected["packet"].Str(), packet.ToHex());
        Assert.Equal(c.Expected["packet_first_hop"].Str(), surb.FirstHop.ToArray().ToHex());

        WalkHops(c.Inputs["nodes"]!, c.Expected["hops"]!, packet);
    }

    [Theory]
    [MemberData(nameof(ParseErrorCases))]
    public void Malformed_surb_is_refused(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        Assert.False(Surb.TryParse(c.Inputs["surb"].Hex(), out var surb, out var error));
        Assert.Null(surb);
        AssertError(c.Expected["error"]!, error);
    }

    [Theory]
    [MemberData(nameof(ParseOkCases))]
    public void Serialized_surb_parses_into_its_parts(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var bytes = c.Inputs["surb"].Hex();
        Assert.True(Surb.TryParse(bytes, out var surb, out var error), error?.ToString());
        Assert.Equal(c.Expected["header"].Str(), surb!.Header.ToHex());
        Assert.Equal(c.Expected["first_hop_address"].Str(), surb.FirstHop.ToArray().ToHex());
        Assert.Equal(c.Expected["payload_keys"].Items().Select(k => k.Str()), Enumerable.Range(0, surb.HopCount).Select(i => surb.PayloadKey(i).ToHex()));
        Assert.Equal(bytes, surb.ToBytes());
    }
}
