namespace Nym.Protocol.WebSocketApi;

/// <summary>Nym's websocket <c>ErrorKind</c> codes (nym-client-api.md §3), the same at 0.9.2, 1.0.1 and later.</summary>
public enum ErrorKind : byte
{
    EmptyRequest = 0x01,
    TooShortRequest = 0x02,
    UnknownRequest = 0x03,
    MalformedRequest = 0x04,
    EmptyResponse = 0x80,
    TooShortResponse = 0x81,
    UnknownResponse = 0x82,
    MalformedResponse = 0x83,
    Other = 0xFF,
}

/// <summary>
/// An error of the websocket API: what a refused request becomes, and what an error response carries. The binary API
/// sends <see cref="Kind"/>'s code and <see cref="Message"/>; the text API sends <see cref="ToString"/>,
/// "&lt;kind text&gt;:&lt;message&gt;" with no space (§2).
/// </summary>
public sealed record WebSocketApiError(ErrorKind Kind, string Message)
{
    internal static bool IsDefined(byte code) => Enum.IsDefined((ErrorKind)code);

    /// <summary>The handler's refusal of a reply longer than <see cref="Packets.ReplySurb.MaxReplyLength"/> (§2).</summary>
    public static WebSocketApiError ReplyTooLong(int length) => new(
        ErrorKind.Other,
        $"too long message to put inside a reply SURB. Received: {length} bytes and maximum is {Packets.ReplySurb.MaxReplyLength} bytes");

    public string KindText => KindTextOf(Kind);

    public override string ToString() => $"{KindText}:{Message}";

    internal static string KindTextOf(ErrorKind kind) => kind switch
    {
        ErrorKind.EmptyRequest => "received request contained no data",
        ErrorKind.TooShortRequest => "received request did not contain enough data",
        ErrorKind.UnknownRequest => "unknown request type",
        ErrorKind.MalformedRequest => "malformed request",
        ErrorKind.EmptyResponse => "received response contained no data",
        ErrorKind.TooShortResponse => "received response did not contain enough data",
        ErrorKind.UnknownResponse => "unknown response type",
        ErrorKind.MalformedResponse => "malformed response",
        ErrorKind.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
