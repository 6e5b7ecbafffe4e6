using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Nym.Protocol.Encoding;
using Nym.Sphinx.Crypto;

namespace Nym.Protocol.Gateway;

/// <summary>Why a text frame is not a control message.</summary>
public enum GatewayTextError
{
    None,

    /// <summary>Longer than <see cref="GatewayText.MaxTextLength"/>.</summary>
    TooLong,

    /// <summary>Not a JSON object with a string <c>type</c> (or a duplicate field, which serde refuses too).</summary>
    MalformedJson,

    /// <summary>A <c>type</c> that this side does not receive.</summary>
    UnknownType,

    /// <summary>A field missing, of the wrong JSON type, out of range, or of the wrong decoded length.</summary>
    InvalidField,
}

/// <summary>
/// Parses the text frames of the client–gateway websocket (nym-mixnet.md §5.2–5.4) as serde does: the tag may stand
/// anywhere, unknown fields are ignored, missing or mistyped fields are errors. <c>authenticate</c> means a request
/// from a client and a response from a gateway, so each side parses with its own method. Never throws on the text.
/// </summary>
public static class GatewayText
{
    /// <summary>Far above any legitimate message (the largest, a bandwidth credential, is under 1 KiB).</summary>
    public const int MaxTextLength = 64 * 1024;

    private const int MaxDepth = 4;

    /// <summary>What a gateway receives: ClientControlRequest, or a registration handshake message.</summary>
    public static bool TryParseFromClient(string text, [NotNullWhen(true)] out GatewayTextMessage? message, out GatewayTextError error) =>
        TryParse(text, ReadClientMessage, out message, out error);

    /// <summary>What a client receives: ServerResponse, or a registration handshake message.</summary>
    public static bool TryParseFromGateway(string text, [NotNullWhen(true)] out GatewayTextMessage? message, out GatewayTextError error) =>
        TryParse(text, ReadGatewayMessage, out message, out error);

    private static bool TryParse(string text, Func<string, JsonElement, (GatewayTextMessage?, GatewayTextError)> read,
        [NotNullWhen(true)] out GatewayTextMessage? message, out GatewayTextError error)
    {
        ArgumentNullException.ThrowIfNull(text);
        message = null;
        if (text.Length > MaxTextLength)
        {
            error = GatewayTextError.TooLong;
            return false;
        }

        // Everything that reads the document is inside the try: a string holding a lone surrogate escape parses,
        // but throws when it is read as a .NET string.
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                error = GatewayTextError.MalformedJson;
                return false;
            }

            (message, error) = read(type.GetString()!, root);
            return message is not null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            message = null;
            error = GatewayTextError.MalformedJson;
            return false;
        }
    }

    private static (GatewayTextMessage?, GatewayTextError) ReadClientMessage(string type, JsonElement o) => type switch
    {
        // The gateway reads the first handshake message as ClientControlRequest, which also knows it by this alias.
        HandshakePayloadMessage.Type or "registerHandshakeInitRequest" => Result(
            Bytes(o, "data", out var data) ? new HandshakePayloadMessage(data) : null),
        HandshakeErrorMessage.Type => Result(Str(o, "message", out var text) ? new HandshakeErrorMessage(text) : null),
        AuthenticateRequest.Type => Result(
            Base58Field(o, "address", AuthenticateRequest.AddressLength, out var address)
            && Base58Field(o, "enc_address", AuthenticateRequest.AddressLength, out var encrypted)
            && Base58Field(o, "iv", Aes128Ctr.IvSize, out var iv)
                ? new AuthenticateRequest(address, encrypted, iv)
                : null),
        BandwidthCredentialRequest.Type => Result(
            Bytes(o, "enc_credential", out var credential) && Bytes(o, "iv", out var credentialIv) && credentialIv.Length == Aes128Ctr.IvSize
                ? new BandwidthCredentialRequest(credential, credentialIv)
                : null),
        ClaimFreeTestnetBandwidthRequest.Type => Result(new ClaimFreeTestnetBandwidthRequest()),
        _ => (null, GatewayTextError.UnknownType),
    };

    private static (GatewayTextMessage?, GatewayTextError) ReadGatewayMessage(string type, JsonElement o) => type switch
    {
        HandshakePayloadMessage.Type => Result(Bytes(o, "data", out var data) ? new HandshakePayloadMessage(data) : null),
        HandshakeErrorMessage.Type => Result(Str(o, "message", out var handshakeText) ? new HandshakeErrorMessage(handshakeText) : null),
        AuthenticateResponse.Type => Result(
            Bool(o, "status", out bool authenticated) && Int64(o, "bandwidth_remaining", out long remaining)
                ? new AuthenticateResponse(authenticated, remaining)
                : null),
        RegisterResponse.Type => Result(Bool(o, "status", out bool registered) ? new RegisterResponse(registered) : null),
        BandwidthResponse.Type => Result(Int64(o, "available_total", out long total) ? new BandwidthResponse(total) : null),
        SendResponse.Type => Result(Int64(o, "remaining_bandwidth", out long left) ? new SendResponse(left) : null),
        ErrorResponse.Type => Result(Str(o, "message", out var text) ? new ErrorResponse(text) : null),
        _ => (null, GatewayTextError.UnknownType),
    };

    private static (GatewayTextMessage?, GatewayTextError) Result(GatewayTextMessage? message) =>
        (message, message is null ? GatewayTextError.InvalidField : GatewayTextError.None);

    private static bool Str(JsonElement o, string name, [NotNullWhen(true)] out string? value)
    {
        value = o.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        return value is not null;
    }

    private static bool Bool(JsonElement o, string name, out bool value)
    {
        value = false;
        if (!o.TryGetProperty(name, out var e))
        {
            return false;
        }

        value = e.ValueKind == JsonValueKind.True;
        return value || e.ValueKind == JsonValueKind.False;
    }

    private static bool Int64(JsonElement o, string name, out long value)
    {
        value = 0;
        return o.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value);
    }

    /// <summary>A serde <c>Vec&lt;u8&gt;</c>: an array of integers 0–255.</summary>
    private static bool Bytes(JsonElement o, string name, out byte[] value)
    {
        value = [];
        if (!o.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var bytes = new byte[e.GetArrayLength()];
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetByte(out bytes[i++]))
            {
                return false;
            }
        }

        value = bytes;
        return true;
    }

    private static bool Base58Field(JsonElement o, string name, int length, out byte[] value)
    {
        value = new byte[length];
        return Str(o, name, out var text) && Base58.TryDecodeExact(text, value);
    }
}
