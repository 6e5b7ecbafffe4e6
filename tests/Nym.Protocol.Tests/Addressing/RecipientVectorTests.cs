using System.Text.Json.Nodes;
using Nym.Protocol.Addressing;
using Nym.Sphinx;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Addressing;

/// <summary>Every recipient_* case of nym-addressing.json.</summary>
public sealed class RecipientVectorTests
{
    private const string File = "nym-addressing.json";

    public static TheoryData<string> ValidCases => VectorFile.CaseNames(File, "recipient_valid");

    public static TheoryData<string> InvalidStringCases => VectorFile.CaseNames(File, "recipient_string_invalid");

    public static TheoryData<string> InvalidBytesCases => VectorFile.CaseNames(File, "recipient_bytes_invalid");

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void Valid_recipient_has_both_forms_and_parses_back_from_each(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var recipient = new Recipient(
            Bytes32.From(c.Inputs["identity"].Hex()), Bytes32.From(c.Inputs["encryption_key"].Hex()), Bytes32.From(c.Inputs["gateway"].Hex()));

        Assert.Equal(c.Expected["string"].Str(), recipient.ToBase58String());
        Assert.DoesNotContain(c.Expected["string"].Str()[..10], recipient.ToString(), StringComparison.Ordinal);
        Assert.Equal(c.Expected["bytes"].Str(), recipient.ToBytes().ToHex());
        Assert.Equal(c.Expected["sphinx_destination"].Str(), recipient.SphinxDestination.Address.ToArray().ToHex());
        Assert.Equal(default, recipient.SphinxDestination.Identifier);

        Assert.True(Recipient.TryParse(c.Expected["string"].Str(), out var parsed, out var error), error?.Display);
        Assert.Equal(recipient, parsed);
        Assert.True(Recipient.TryFromBytes(c.Expected["bytes"].Hex(), out var fromBytes, out error), error?.Display);
        Assert.Equal(recipient, fromBytes);
    }

    [Theory]
    [MemberData(nameof(InvalidStringCases))]
    public void Invalid_string_gives_nyms_error(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        Assert.False(Recipient.TryParse(c.Inputs["string"].Str(), out var recipient, out var error));
        Assert.Null(recipient);
        AssertError(c.Expected["error"]!, error);
    }

    [Theory]
    [MemberData(nameof(InvalidBytesCases))]
    public void Invalid_bytes_give_nyms_error(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        Assert.False(Recipient.TryFromBytes(c.Inputs["bytes"].Hex(), out var recipient, out var error));
        Assert.Null(recipient);
        AssertError(c.Expected["error"]!, error);
    }

    private static void AssertError(JsonNode expected, RecipientError error)
    {
        Assert.Equal(expected["class"].Str(), error.Class.ToString());
        Assert.Equal(expected["inner"]?.Str() ?? nameof(RecipientKeyError.None), error.Inner.ToString());
        Assert.Equal(expected["display"].Str(), error.Display);
        Assert.Equal(expected["display"].Str(), error.ToString());
        Assert.Equal(expected["debug"].Str(), error.Debug);
    }
}
