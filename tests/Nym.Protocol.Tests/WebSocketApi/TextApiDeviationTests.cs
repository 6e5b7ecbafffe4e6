using Nym.Protocol.WebSocketApi;
using Nym.TestVectors;
using Xunit;
using Utf8Text = System.Text.Encoding;

namespace Nym.Protocol.Tests.WebSocketApi;

/// <summary>The text API's behaviour beyond Nym's vectors: the D6 forms in detail, and JSON that must be refused.</summary>
public sealed class TextApiDeviationTests
{
    private const string WebSocketApiFile = "websocket-api.json";

    private static string Address => VectorFile.Open(WebSocketApiFile).Root["shared"]!["self_address"].Str();

    [Theory]
    [InlineData("""{"a": [1, 2.5e3, "ż\n\"", null, true]}""", """{"a":[1,2.5e3,"ż\n\"",null,true]}""")]
    [InlineData("42", "42")]
    [InlineData("null", "null")]
    [InlineData("[ ]", "[]")]
    public void D6_a_non_string_message_is_sent_as_its_compact_json_text(string message, string expected)
    {
        var request = Decode($$"""{"type":"send","message":{{message}},"recipient":"{{Address}}","withReplySurb":true}""");
        var send = Assert.IsType<SendRequest>(request);
        Assert.Equal(expected, Utf8Text.UTF8.GetString(send.Message));
        Assert.True(send.WithReplySurb);
    }

    [Fact]
    public void D6_recipient_address_is_an_alias_and_may_not_repeat_recipient()
    {
        var send = Assert.IsType<SendRequest>(Decode($$"""{"recipient_address":"{{Address}}","type":"send","message":"hi"}"""));
        Assert.Equal(Address, send.Recipient.ToBase58String());
        Assert.False(send.WithReplySurb);

        var error = Refused($$"""{"type":"send","message":"hi","recipient":"{{Address}}","recipient_address":"{{Address}}"}""");
        Assert.Contains("duplicate field `recipient`", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"send","message":"\ud800","recipient":"x","withReplySurb":false}""")] // lone surrogate
    [InlineData("""{"type":"selfAddress"} x""")] // trailing characters
    [InlineData("""{"type":"selfAddress","type":"selfAddress"}""")] // duplicate tag
    [InlineData("""[{"type":"selfAddress"}]""")]
    [InlineData("")]
    [InlineData("""{"type":"send","message":"hi","recipient":"x","withReplySurb":"yes"}""")]
    [InlineData("""{"type":"reply","message":"hi"}""")]
    public void Invalid_json_or_fields_are_a_malformed_request(string text) =>
        Assert.Equal(ErrorKind.MalformedRequest, Refused(text).Kind);

    [Fact]
    public void Invalid_utf8_is_a_malformed_request()
    {
        Assert.False(TextApiCodec.TryDecodeRequest([.. "{\"type\":\"send\",\"message\":\""u8, 0xff, .. "\"}"u8], out _, out var error));
        Assert.Equal(ErrorKind.MalformedRequest, error.Kind);
    }

    private static ClientRequest Decode(string text)
    {
        Assert.True(TextApiCodec.TryDecodeRequest(Utf8Text.UTF8.GetBytes(text), out var request, out var error), error?.ToString());
        return request;
    }

    private static WebSocketApiError Refused(string text)
    {
        Assert.False(TextApiCodec.TryDecodeRequest(Utf8Text.UTF8.GetBytes(text), out _, out var error));
        return error;
    }
}
