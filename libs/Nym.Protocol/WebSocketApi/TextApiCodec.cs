using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Nym.Protocol.Addressing;
using Nym.Protocol.Encoding;

namespace Nym.Protocol.WebSocketApi;

/// <summary>
/// The text (JSON) websocket API of Nym 1.0.1 (nym-client-api.md §2): objects tagged by "type", camelCase fields,
/// unknown fields ignored, written in serde_json's field order and escaping. Requests also accept the doc's forms
/// (D6): "recipient_address" for "recipient", a missing "withReplySurb" (false), and a non-string "message", sent as
/// its compact JSON text. Decoders take the frame's UTF-8 bytes and never throw.
/// </summary>
public static class TextApiCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryDecodeRequest(
        ReadOnlySpan<byte> utf8,
        [NotNullWhen(true)] out ClientRequest? request,
        [NotNullWhen(false)] out WebSocketApiError? error)
    {
        request = null;
        string? problem = JsonText.TryReadObject(utf8, RequestField, out var fields)
            ?? RequiredString(fields, "type", out string type)
            ?? type switch
            {
                "send" => TryReadSend(fields, out request),
                "reply" => TryReadReply(fields, out request),
                "selfAddress" => Ok(SelfAddressRequest.Instance, out request),
                _ => $"unknown variant `{type}`, expected one of `send`, `selfAddress`, `reply`",
            };
        error = problem is null ? null : new(ErrorKind.MalformedRequest, problem);
        return error is null;
    }

    /// <summary>
    /// The request as an app writes it. Throws when a message is not valid UTF-8, which the text API cannot carry
    /// (a caller bug: use the binary API for such messages).
    /// </summary>
    public static byte[] Encode(ClientRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = new StringBuilder("{\"type\":");
        switch (request)
        {
            case SendRequest send:
                json.AppendString("send").Append(",\"message\":").AppendString(StrictUtf8.GetString(send.Message))
                    .Append(",\"recipient\":").AppendString(send.Recipient.ToBase58String())
                    .Append(",\"withReplySurb\":").Append(send.WithReplySurb ? "true" : "false");
                break;
            case ReplyRequest reply:
                json.AppendString("reply").Append(",\"message\":").AppendString(StrictUtf8.GetString(reply.Message))
                    .Append(",\"replySurb\":").AppendString(Base58.Encode(reply.ReplySurb));
                break;
            case SelfAddressRequest:
                json.AppendString("selfAddress");
                break;
            default:
                throw new ArgumentException($"Unknown request type {request.GetType().Name}.", nameof(request));
        }

        return System.Text.Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }

    /// <summary>Reads a response as an app does; its errors have kind <see cref="ErrorKind.MalformedResponse"/>.</summary>
    public static bool TryDecodeResponse(
        ReadOnlySpan<byte> utf8,
        [NotNullWhen(true)] out ServerResponse? response,
        [NotNullWhen(false)] out WebSocketApiError? error)
    {
        response = null;
        string? problem = JsonText.TryReadObject(utf8, ResponseField, out var fields)
            ?? RequiredString(fields, "type", out string type)
            ?? type switch
            {
                "received" => TryReadReceived(fields, out response),
                "selfAddress" => TryReadSelfAddress(fields, out response),
                "error" => TryReadError(fields, out response),
                _ => $"unknown variant `{type}`, expected one of `received`, `selfAddress`, `error`",
            };
        error = problem is null ? null : new(ErrorKind.MalformedResponse, problem);
        return error is null;
    }

    /// <summary>
    /// The response as Nym writes it: "received" carries the message through <c>String::from_utf8_lossy</c> and
    /// always a "replySurb" (base58 or null); "error" carries "&lt;kind text&gt;:&lt;detail&gt;".
    /// </summary>
    public static byte[] Encode(ServerResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var json = new StringBuilder("{\"type\":");
        switch (response)
        {
            case ReceivedResponse received:
                json.AppendString("received").Append(",\"message\":").AppendString(RustUtf8.Lossy(received.Message))
                    .Append(",\"replySurb\":");
                _ = received.ReplySurb is { } surb ? json.AppendString(Base58.Encode(surb)) : json.Append("null");
                break;
            case SelfAddressResponse self:
                json.AppendString("selfAddress").Append(",\"address\":").AppendString(self.Address.ToBase58String());
                break;
            case ErrorResponse { Error: var error }:
                json.AppendString("error").Append(",\"message\":").AppendString(error.ToString());
                break;
            default:
                throw new ArgumentException($"Unknown response type {response.GetType().Name}.", nameof(response));
        }

        return System.Text.Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }

    private static string? RequestField(string name) => name switch
    {
        "type" or "message" or "recipient" or "withReplySurb" or "replySurb" => name,
        "recipient_address" => "recipient", // D6: the doc's name
        _ => null,
    };

    private static string? ResponseField(string name) => name is "type" or "message" or "replySurb" or "address" ? name : null;

    private static string? TryReadSend(Dictionary<string, JsonField> fields, out ClientRequest? request)
    {
        request = null;
        if (!fields.TryGetValue("message", out var message))
        {
            return "missing field `message`";
        }

        // D6: withReplySurb defaults to false.
        bool withReplySurb = false;
        if (fields.TryGetValue("withReplySurb", out var flag))
        {
            if (flag.Kind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return $"invalid type: {flag.Describe()}, expected a boolean";
            }

            withReplySurb = flag.Kind == JsonValueKind.True;
        }

        if (RequiredString(fields, "recipient", out string address) is { } problem)
        {
            return problem;
        }

        if (!Recipient.TryParse(address, out var recipient, out var recipientError))
        {
            return recipientError.Display;
        }

        // D6: a message that is not a string is sent as its compact JSON text.
        return Ok(new SendRequest(recipient, System.Text.Encoding.UTF8.GetBytes(message.Text), withReplySurb), out request);
    }

    private static string? TryReadReply(Dictionary<string, JsonField> fields, out ClientRequest? request)
    {
        request = null;
        if (!fields.TryGetValue("message", out var message))
        {
            return "missing field `message`";
        }

        byte[] surb = [];
        if ((RequiredString(fields, "replySurb", out string text) ?? TryDecodeReplySurb(text, out surb)) is { } problem)
        {
            return problem;
        }

        return Ok(new ReplyRequest(surb, System.Text.Encoding.UTF8.GetBytes(message.Text)), out request);
    }

    private static string? TryReadReceived(Dictionary<string, JsonField> fields, out ServerResponse? response)
    {
        response = null;
        if (RequiredString(fields, "message", out string message) is { } problem)
        {
            return problem;
        }

        byte[]? surb = null;
        if (fields.TryGetValue("replySurb", out var surbField) && surbField.Kind != JsonValueKind.Null)
        {
            if (surbField.Kind != JsonValueKind.String)
            {
                return $"invalid type: {surbField.Describe()}, expected a string or null";
            }

            if (TryDecodeReplySurb(surbField.Text, out surb) is { } surbProblem)
            {
                return surbProblem;
            }
        }

        return Ok(new ReceivedResponse(System.Text.Encoding.UTF8.GetBytes(message), surb), out response);
    }

    private static string? TryReadSelfAddress(Dictionary<string, JsonField> fields, out ServerResponse? response)
    {
        response = null;
        if (RequiredString(fields, "address", out string text) is { } problem)
        {
            return problem;
        }

        return Recipient.TryParse(text, out var address, out var error)
            ? Ok(new SelfAddressResponse(address), out response)
            : error.Display;
    }

    /// <summary>Splits "&lt;kind text&gt;:&lt;detail&gt;"; kind texts contain no colon.</summary>
    private static string? TryReadError(Dictionary<string, JsonField> fields, out ServerResponse? response)
    {
        response = null;
        if (RequiredString(fields, "message", out string text) is { } problem)
        {
            return problem;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        var kinds = Enum.GetValues<ErrorKind>().Where(k => colon >= 0 && WebSocketApiError.KindTextOf(k) == text[..colon]).ToArray();
        return kinds.Length == 1
            ? Ok(new ErrorResponse(new(kinds[0], text[(colon + 1)..])), out response)
            : "error message does not start with a known error kind";
    }

    /// <summary>A reply SURB's base58 text, with the texts of Nym's <c>ReplySurbError</c> Display (§2).</summary>
    private static string? TryDecodeReplySurb(string text, out byte[] surb)
    {
        surb = [];
        if (Base58Problem.Find(text) is { } problem)
        {
            return $"reply SURB is incorrectly formatted: {problem.Display}";
        }

        // Text too long for the largest SURB is refused before decoding, as of invalid length.
        var error = Base58.TryDecode(text, ReplySurbFormat.MaxLength, out surb) ? ReplySurbFormat.Check(surb) : Sphinx.SphinxError.SurbInvalidLength;
        return error is null ? null : $"failed to recover reply SURB from bytes: {error}";
    }

    private static string? RequiredString(Dictionary<string, JsonField> fields, string name, out string value)
    {
        value = "";
        if (!fields.TryGetValue(name, out var field))
        {
            return $"missing field `{name}`";
        }

        if (field.Kind != JsonValueKind.String)
        {
            return $"invalid type: {field.Describe()}, expected a string";
        }

        value = field.Text;
        return null;
    }

    private static string? Ok<T>(T value, out T? result)
        where T : class
    {
        result = value;
        return null;
    }
}
