using Utf8Text = System.Text.Encoding;
using System.Text.Json.Nodes;
using Nym.Protocol.Addressing;
using Nym.Protocol.WebSocketApi;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.WebSocketApi;

/// <summary>Every case of websocket-api.json, through both codecs.</summary>
public sealed class WebSocketApiVectorTests
{
    private const string WebSocketApiFile = "websocket-api.json";

    public static TheoryData<string> BinaryRequestCases => VectorFile.CaseNames(WebSocketApiFile, "binary_request");

    public static TheoryData<string> TextRequestCases => VectorFile.CaseNames(WebSocketApiFile, "text_request");

    public static TheoryData<string> SerdeErrorCases => VectorFile.CaseNames(WebSocketApiFile, "text_request_serde_error");

    public static TheoryData<string> BinaryResponseCases => VectorFile.CaseNames(WebSocketApiFile, "binary_response");

    public static TheoryData<string> TextResponseCases => VectorFile.CaseNames(WebSocketApiFile, "text_response");

    public static TheoryData<string> ResponseParseErrorCases => VectorFile.CaseNames(WebSocketApiFile, "binary_response_parse_error");

    [Theory]
    [MemberData(nameof(BinaryRequestCases))]
    public void Binary_request_decodes_and_is_answered_as_nym_does(string name)
    {
        var c = VectorFile.Open(WebSocketApiFile).Case("binary_request", name);
        var frame = c.Inputs["request_bytes"].Hex();
        bool decoded = BinaryApiCodec.TryDecodeRequest(frame, out var request, out var error);

        if (c.Expected["request"] is { } expectedRequest)
        {
            Assert.True(decoded, error?.ToString());
            AssertRequest(expectedRequest, request!);
            var encoded = BinaryApiCodec.Encode(request!);
            Assert.True(frame.AsSpan().StartsWith(encoded)); // a self-address request ignores trailing bytes
            Assert.True(request is SelfAddressRequest || encoded.Length == frame.Length);
            AssertHandlerAnswer(c, request!, r => BinaryApiCodec.Encode(r).ToHex());
        }
        else
        {
            AssertRefused(c, decoded, error, e => BinaryApiCodec.Encode(new ErrorResponse(e)).ToHex());
        }
    }

    [Theory]
    [MemberData(nameof(TextRequestCases))]
    public void Text_request_decodes_and_is_answered_as_nym_does(string name)
    {
        var c = VectorFile.Open(WebSocketApiFile).Case("text_request", name);
        bool decoded = TextApiCodec.TryDecodeRequest(Utf8Text.UTF8.GetBytes(c.Inputs["text"].Str()), out var request, out var error);

        if (c.Expected["request"] is { } expectedRequest)
        {
            Assert.True(decoded, error?.ToString());
            AssertRequest(expectedRequest, request!);
            Assert.Equal(c.Expected["equivalent_binary"].Str(), BinaryApiCodec.Encode(request!).ToHex());
            AssertHandlerAnswer(c, request!, r => Utf8Text.UTF8.GetString(TextApiCodec.Encode(r)));
        }
        else
        {
            AssertRefused(c, decoded, error, e => Utf8Text.UTF8.GetString(TextApiCodec.Encode(new ErrorResponse(e))));
        }
    }

    /// <summary>
    /// JSON that Nym's serde refuses. The doc's forms of a send (D6) are accepted instead: "recipient_address" for
    /// "recipient", no "withReplySurb", a message that is not a string. Everything else is a malformed request.
    /// </summary>
    [Theory]
    [MemberData(nameof(SerdeErrorCases))]
    public void Serde_error_is_a_malformed_request_unless_d6_accepts_it(string name)
    {
        var c = VectorFile.Open(WebSocketApiFile).Case("text_request_serde_error", name);
        string text = c.Inputs["text"].Str();
        bool decoded = TextApiCodec.TryDecodeRequest(Utf8Text.UTF8.GetBytes(text), out var request, out var error);

        if (D6Form(text) is { } send)
        {
            Assert.True(decoded, error?.ToString());
            var actual = Assert.IsType<SendRequest>(request);
            var message = send["message"]!;
            string expectedMessage = message.GetValueKind() == System.Text.Json.JsonValueKind.String ? message.Str() : message.ToJsonString();
            Assert.Equal(expectedMessage, Utf8Text.UTF8.GetString(actual.Message));
            Assert.Equal((string)(send["recipient"] ?? send["recipient_address"])!, actual.Recipient.ToBase58String());
            Assert.Equal((bool?)send["withReplySurb"] ?? false, actual.WithReplySurb);
            return;
        }

        Assert.False(decoded);
        Assert.Equal(c.Expected["error_kind"].Str(), error!.Kind.ToString());
        Assert.StartsWith(c.Expected["response_prefix"].Str(), Utf8Text.UTF8.GetString(TextApiCodec.Encode(new ErrorResponse(error))), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BinaryResponseCases))]
    public void Response_encodes_in_both_forms_and_decodes_back(string name)
    {
        var c = VectorFile.Open(WebSocketApiFile).Case("binary_response", name);
        var response = Response(c.Inputs["response"]!);
        var bytes = BinaryApiCodec.Encode(response);
        Assert.Equal(c.Expected["response_bytes"].Str(), bytes.ToHex());
        var text = TextApiCodec.Encode(response);
        Assert.Equal(c.Expected["text"].Str(), Utf8Text.UTF8.GetString(text));

        Assert.True(BinaryApiCodec.TryDecodeResponse(bytes, out var fromBytes, out var error), error?.ToString());
        Assert.Equal(bytes, BinaryApiCodec.Encode(fromBytes));
        Assert.True(TextApiCodec.TryDecodeResponse(text, out var fromText, out error), error?.ToString());
        Assert.Equal(bytes, BinaryApiCodec.Encode(fromText));
    }

    [Theory]
    [MemberData(nameof(TextResponseCases))]
    public void Response_text_is_byte_exact(string name)
    {
        var c = VectorFile.Open(WebSocketApiFile).Case("text_response", name);
        Assert.Equal(c.Expected["text"].Str(), Utf8Text.UTF8.GetString(TextApiCodec.Encode(Response(c.Inputs["response"]!))));
    }

    [Theory]
    [MemberData(nameof(ResponseParseErrorCases))]
    public void Malformed_binary_response_gives_nyms_error(string name)
    {
        var c = VectorFile.Open(WebSocketApiFile).Case("binary_response_parse_error", name);
        bool decoded = BinaryApiCodec.TryDecodeResponse(c.Inputs["response_bytes"].Hex(), out var response, out var error);
        Assert.False(decoded);
        Assert.Null(response);
        if (c.Expected["error"] is { } expected)
        {
            AssertError(expected, error);
        }
    }

    private static void AssertRequest(JsonNode expected, ClientRequest request)
    {
        switch (expected["type"].Str())
        {
            case "selfAddress":
                Assert.IsType<SelfAddressRequest>(request);
                break;
            case "send":
                var send = Assert.IsType<SendRequest>(request);
                Assert.Equal(expected["recipient"].Str(), send.Recipient.ToBase58String());
                Assert.Equal((bool)expected["with_reply_surb"]!, send.WithReplySurb);
                Assert.Equal(expected["message"].Str(), send.Message.ToHex());
                break;
            case "reply":
                var reply = Assert.IsType<ReplyRequest>(request);
                Assert.Equal(expected["reply_surb"].Str(), reply.ReplySurb.ToHex());
                Assert.Equal(expected["message"].Str(), reply.Message.ToHex());
                break;
            default:
                Assert.Fail($"Unknown request type {expected["type"]}.");
                break;
        }
    }

    /// <summary>What the handler sends back for a decoded request: its address, a too-long-reply error, or nothing.</summary>
    private static void AssertHandlerAnswer(VectorCase c, ClientRequest request, Func<ServerResponse, string> encode)
    {
        var shared = VectorFile.Open(WebSocketApiFile).Root["shared"]!;
        ServerResponse? answer = request switch
        {
            SelfAddressRequest => new SelfAddressResponse(ParseRecipient(shared["self_address"].Str())),
            ReplyRequest { LengthError: { } tooLong } => new ErrorResponse(tooLong),
            _ => null,
        };
        Assert.Equal(c.Expected["response"]?.Str(), answer is null ? null : encode(answer));
        if (c.Expected["response_error"] is { } expectedError)
        {
            AssertError(expectedError, Assert.IsType<ErrorResponse>(answer).Error);
        }

        if (answer is SelfAddressResponse self)
        {
            Assert.Equal(shared["self_address_bytes"].Str(), self.Address.ToBytes().ToHex());
        }
    }

    /// <summary>A refused request, or one that crashes Nym 1.0.1 (D7: an error value here too), and its error response.</summary>
    private static void AssertRefused(VectorCase c, bool decoded, WebSocketApiError? error, Func<WebSocketApiError, string> encode)
    {
        Assert.False(decoded);
        Assert.NotNull(error);
        if (c.Expected["panics"]!.GetValue<bool>())
        {
            Assert.True(error.Kind is ErrorKind.MalformedRequest or ErrorKind.TooShortRequest, error.ToString());
            Assert.NotEmpty(encode(error));
            return;
        }

        AssertError(c.Expected["error"]!, error);
        Assert.Equal(c.Expected["response"].Str(), encode(error));
    }

    private static void AssertError(JsonNode expected, WebSocketApiError? error)
    {
        Assert.NotNull(error);
        Assert.Equal(expected["kind"].Str(), error.Kind.ToString());
        Assert.Equal(expected["code"].Int(), (int)error.Kind);
        Assert.Equal(expected["message"].Str(), error.Message);
        Assert.Equal(expected["display"].Str(), error.ToString());
    }

    private static ServerResponse Response(JsonNode json) => json["type"].Str() switch
    {
        "received" => new ReceivedResponse(json["message"].Hex(), json["reply_surb"]?.Hex()),
        "selfAddress" => new SelfAddressResponse(ParseRecipient(json["address"].Str())),
        "error" => new ErrorResponse(new(Enum.Parse<ErrorKind>(json["kind"].Str()), json["message"].Str())),
        var type => throw new InvalidOperationException($"Unknown response type {type}."),
    };

    private static Recipient ParseRecipient(string text) =>
        Recipient.TryParse(text, out var recipient, out var error) ? recipient : throw new InvalidOperationException(error.Display);

    /// <summary>The send object when <paramref name="text"/> is a send in one of the doc's forms that D6 accepts.</summary>
    private static JsonObject? D6Form(string text)
    {
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        if (json is null || (string?)json["type"] != "send" || json["message"] is null
            || (json["recipient"] ?? json["recipient_address"]) is null)
        {
            return null;
        }

        bool docForm = json["recipient"] is null || !json.ContainsKey("withReplySurb")
            || json["message"]!.GetValueKind() != System.Text.Json.JsonValueKind.String;
        return docForm ? json : null;
    }
}
