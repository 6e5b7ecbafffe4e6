using Nym.Protocol.Gateway;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Gateway;

/// <summary>The gateway_text cases of nym-framing.json, and how malformed text is refused.</summary>
public sealed class GatewayTextVectorTests
{
    private const string File = "nym-framing.json";

    public static TheoryData<string> TextCases => VectorFile.CaseNames(File, "gateway_text");

    [Theory]
    [MemberData(nameof(TextCases))]
    public void Reads_the_fields_and_writes_serde_text(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        bool fromClient = c.Inputs["from"].Str() switch
        {
            "client" => true,
            "gateway" => false,
            var other => throw new InvalidOperationException($"Unknown sender {other}."),
        };

        // The case's fields, in whatever order and spacing the file has, parse into the message whose text is Nym's.
        foreach (var text in new[] { c.Inputs["message"]!.ToJsonString(), c.Expected["text"].Str() })
        {
            Assert.True(Parse(fromClient, text, out var message, out var error), error.ToString());
            Assert.Equal(c.Expected["text"].Str(), message!.ToJson());
        }

        // The other side does not take it for one of its own.
        if (Parse(!fromClient, c.Expected["text"].Str(), out var misread, out _))
        {
            Assert.NotEqual(c.Expected["text"].Str(), misread!.ToJson());
        }
    }

    [Theory]
    [InlineData("", GatewayTextError.MalformedJson)]
    [InlineData("[]", GatewayTextError.MalformedJson)]
    [InlineData("{\"type\":1}", GatewayTextError.MalformedJson)]
    [InlineData("{\"status\":true}", GatewayTextError.MalformedJson)]
    [InlineData("{\"type\":\"register\",\"status\":true,\"status\":false}", GatewayTextError.MalformedJson)]
    [InlineData("{\"type\":\"launchRockets\"}", GatewayTextError.UnknownType)]
    [InlineData("{\"type\":\"register\"}", GatewayTextError.InvalidField)]
    [InlineData("{\"type\":\"register\",\"status\":1}", GatewayTextError.InvalidField)]
    [InlineData("{\"type\":\"send\",\"remaining_bandwidth\":1.5}", GatewayTextError.InvalidField)]
    [InlineData("{\"type\":\"send\",\"remaining_bandwidth\":9223372036854775808}", GatewayTextError.InvalidField)]
    [InlineData("{\"type\":\"handshakePayload\",\"data\":[1,256]}", GatewayTextError.InvalidField)]
    [InlineData("{\"type\":\"handshakePayload\",\"data\":[[1]]}", GatewayTextError.InvalidField)]
    public void Refuses_what_serde_refuses(string text, GatewayTextError expected)
    {
        Assert.False(GatewayText.TryParseFromGateway(text, out var message, out var error));
        Assert.Null(message);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Ignores_unknown_fields_and_accepts_the_tag_anywhere_as_serde_does()
    {
        Assert.True(GatewayText.TryParseFromGateway("{\"status\":false,\"extra\":[1],\"type\":\"register\"}", out var message, out _));
        Assert.Equal(new RegisterResponse(false), message);
        Assert.True(GatewayText.TryParseFromClient("{\"type\":\"registerHandshakeInitRequest\",\"data\":[7]}", out message, out _));
        Assert.Equal([7], Assert.IsType<HandshakePayloadMessage>(message).Data);
    }

    [Fact]
    public void Refuses_authenticate_with_bad_base58_or_lengths()
    {
        Assert.False(GatewayText.TryParseFromClient("{\"type\":\"authenticate\",\"address\":\"0OIl\",\"enc_address\":\"1\",\"iv\":\"1\"}", out _, out var error));
        Assert.Equal(GatewayTextError.InvalidField, error);
        Assert.False(GatewayText.TryParseFromClient("{\"type\":\"authenticate\",\"address\":\"11\",\"enc_address\":\"11\",\"iv\":\"11\"}", out _, out error));
        Assert.Equal(GatewayTextError.InvalidField, error);
    }

    [Fact]
    public void Escapes_strings_as_serde_json()
    {
        var text = new ErrorResponse("q\"b\\n\n\t\r\b\f\u0001\u001f\u007fé<>&").ToJson();
        Assert.Equal("{\"type\":\"error\",\"message\":\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\u007fé<>&\"}", text);
        Assert.True(GatewayText.TryParseFromGateway(text, out var parsed, out _));
        Assert.Equal("q\"b\\n\n\t\r\b\f\u0001\u001f\u007fé<>&", Assert.IsType<ErrorResponse>(parsed).Message);
    }

    [Fact]
    public void Refuses_text_over_the_limit()
    {
        var text = "{\"type\":\"error\",\"message\":\"" + new string('x', GatewayText.MaxTextLength) + "\"}";
        Assert.False(GatewayText.TryParseFromGateway(text, out _, out var error));
        Assert.Equal(GatewayTextError.TooLong, error);
    }

    private static bool Parse(bool fromClient, string text, out GatewayTextMessage? message, out GatewayTextError error) => fromClient
        ? GatewayText.TryParseFromClient(text, out message, out error)
        : GatewayText.TryParseFromGateway(text, out message, out error);
}
