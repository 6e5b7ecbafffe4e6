using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Nym.Protocol.Addressing;

namespace Nym.Protocol.WebSocketApi;

/// <summary>
/// The binary websocket API of Nym 1.0.1 (nym-client-api.md §3): a u8 tag, then fields; every variable-length field
/// has a u64 big-endian length prefix. Decoders never throw and allocate only copies of the frame's own bytes, after
/// checking every declared length against what remains. Where Nym aborts the process (§5 crash paths 2–4) they return
/// an error instead (D7).
/// </summary>
public static class BinaryApiCodec
{
    private const byte SendTag = 0x00, ReplyTag = 0x01, SelfAddressTag = 0x02;
    private const byte ErrorTag = 0x00, ReceivedTag = 0x01;
    private const int LengthPrefix = sizeof(ulong);

    public static bool TryDecodeRequest(
        ReadOnlySpan<byte> frame,
        [NotNullWhen(true)] out ClientRequest? request,
        [NotNullWhen(false)] out WebSocketApiError? error)
    {
        request = null;
        error = frame.IsEmpty ? new(ErrorKind.EmptyRequest, "no data provided")
            : frame[0] switch
            {
                SendTag => TryDecodeSend(frame, out request),
                ReplyTag => TryDecodeReply(frame, out request),
                SelfAddressTag => Ok(SelfAddressRequest.Instance, out request), // trailing bytes are ignored, as Nym does
                var tag => new(ErrorKind.UnknownRequest, $"type {tag}"),
            };
        return error is null;
    }

    public static byte[] Encode(ClientRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var writer = new ArrayBufferWriter<byte>();
        switch (request)
        {
            case SendRequest send:
                // 00 ‖ surb flag ‖ recipient(96) ‖ len ‖ data
                writer.Write([SendTag, send.WithReplySurb ? (byte)1 : (byte)0]);
                writer.Write(send.Recipient.ToBytes());
                WriteWithLength(writer, send.Message);
                break;
            case ReplyRequest reply:
                // 01 ‖ surb_len ‖ surb ‖ msg_len ‖ msg
                writer.Write([ReplyTag]);
                WriteWithLength(writer, reply.ReplySurb);
                WriteWithLength(writer, reply.Message);
                break;
            case SelfAddressRequest:
                writer.Write([SelfAddressTag]);
                break;
            default:
                throw new ArgumentException($"Unknown request type {request.GetType().Name}.", nameof(request));
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a response as an app does (Nym's client-side helper); its errors use the *Response kinds.</summary>
    public static bool TryDecodeResponse(
        ReadOnlySpan<byte> frame,
        [NotNullWhen(true)] out ServerResponse? response,
        [NotNullWhen(false)] out WebSocketApiError? error)
    {
        response = null;
        error = frame.IsEmpty ? new(ErrorKind.EmptyResponse, "no data provided")
            : frame[0] switch
            {
                ErrorTag => TryDecodeError(frame, out response),
                ReceivedTag => TryDecodeReceived(frame, out response),
                SelfAddressTag => TryDecodeSelfAddress(frame, out response),
                var tag => new(ErrorKind.UnknownResponse, $"type {tag}"),
            };
        return error is null;
    }

    public static byte[] Encode(ServerResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var writer = new ArrayBufferWriter<byte>();
        switch (response)
        {
            case ErrorResponse { Error: var error }:
                // 00 ‖ code ‖ len ‖ utf8 detail (without the kind text)
                writer.Write([ErrorTag, (byte)error.Kind]);
                WriteWithLength(writer, System.Text.Encoding.UTF8.GetBytes(error.Message));
                break;
            case ReceivedResponse received:
                // 01 ‖ 00 ‖ len ‖ msg, or 01 ‖ 01 ‖ surb_len ‖ surb ‖ len ‖ msg
                writer.Write([ReceivedTag, received.ReplySurb is null ? (byte)0 : (byte)1]);
                if (received.ReplySurb is { } surb)
                {
                    WriteWithLength(writer, surb);
                }

                WriteWithLength(writer, received.Message);
                break;
            case SelfAddressResponse self:
                // 02 ‖ recipient(96)
                writer.Write([SelfAddressTag]);
                writer.Write(self.Address.ToBytes());
                break;
            default:
                throw new ArgumentException($"Unknown response type {response.GetType().Name}.", nameof(response));
        }

        return writer.WrittenSpan.ToArray();
    }

    // 00 ‖ surb flag ‖ recipient(96) ‖ len:u64be ‖ data[len]
    private static WebSocketApiError? TryDecodeSend(ReadOnlySpan<byte> frame, out ClientRequest? request)
    {
        request = null;
        const int headerLength = 2 + Recipient.Length + LengthPrefix;
        if (frame.Length < headerLength)
        {
            return new(ErrorKind.TooShortRequest, "not enough data provided to recover 'send'");
        }

        byte flag = frame[1];
        if (flag > 1)
        {
            return Malformed($"invalid reply surb flag {flag}");
        }

        if (!Recipient.TryFromBytes(frame.Slice(2, Recipient.Length), out var recipient, out var recipientError))
        {
            return Malformed($"malformed recipient: {recipientError.Debug}");
        }

        var data = frame[headerLength..];
        ulong declared = ReadLength(frame[(2 + Recipient.Length)..]);
        if (declared != (ulong)data.Length)
        {
            return Malformed($"data len has inconsistent length. specified: {declared} got: {data.Length}");
        }

        return Ok(new SendRequest(recipient, data.ToArray(), flag == 1), out request);
    }

    // 01 ‖ surb_len:u64be ‖ surb[surb_len] ‖ msg_len:u64be ‖ msg[msg_len]
    private static WebSocketApiError? TryDecodeReply(ReadOnlySpan<byte> frame, out ClientRequest? request)
    {
        request = null;
        if (frame.Length < 1 + 2 * LengthPrefix)
        {
            return TooShortReply();
        }

        ulong surbLength = ReadLength(frame[1..]);
        var rest = frame[(1 + LengthPrefix)..];

        // Nym's bound is off by 24 (operator precedence) and it aborts for the lengths in between (§5 crash path 3);
        // the intended bound, with Nym's error for it, covers both.
        if (surbLength > (ulong)rest.Length)
        {
            return Malformed($"not enough data to recover reply surb with specified length {surbLength}");
        }

        var surb = rest[..(int)surbLength];
        if (ReplySurbFormat.Check(surb) is { } surbError)
        {
            return Malformed($"malformed reply surb: {ReplySurbFormat.Debug(surbError)}");
        }

        rest = rest[(int)surbLength..];
        if (rest.Length < LengthPrefix)
        {
            // Nym aborts here (§5 crash path 4): a SURB with no room left for the message length.
            return TooShortReply();
        }

        var message = rest[LengthPrefix..];
        ulong declared = ReadLength(rest);
        if (declared != (ulong)message.Length)
        {
            return Malformed($"message len has inconsistent length. specified: {declared} got: {message.Length}");
        }

        return Ok(new ReplyRequest(surb.ToArray(), message.ToArray()), out request);
    }

    // 00 ‖ code ‖ len:u64be ‖ utf8 detail[len]
    private static WebSocketApiError? TryDecodeError(ReadOnlySpan<byte> frame, out ServerResponse? response)
    {
        response = null;
        if (frame.Length < 2 + LengthPrefix)
        {
            return new(ErrorKind.TooShortResponse, "not enough data provided to recover 'error'");
        }

        byte code = frame[1];
        if (!WebSocketApiError.IsDefined(code))
        {
            return MalformedResponse($"invalid error code {code}");
        }

        var message = frame[(2 + LengthPrefix)..];
        ulong declared = ReadLength(frame[2..]);
        if (declared != (ulong)message.Length)
        {
            return MalformedResponse($"message len has inconsistent length. specified: {declared} got: {message.Length}");
        }

        if (RustUtf8.FromUtf8ErrorDebug(message) is { } utf8Error)
        {
            return MalformedResponse($"malformed error message: {utf8Error}");
        }

        return Ok(new ErrorResponse(new((ErrorKind)code, System.Text.Encoding.UTF8.GetString(message))), out response);
    }

    // 01 ‖ 00 ‖ len:u64be ‖ msg, or 01 ‖ 01 ‖ surb_len:u64be ‖ surb ‖ len:u64be ‖ msg
    private static WebSocketApiError? TryDecodeReceived(ReadOnlySpan<byte> frame, out ServerResponse? response)
    {
        response = null;
        if (frame.Length < 2 + LengthPrefix)
        {
            return TooShortReceived();
        }

        byte flag = frame[1];
        if (flag > 1)
        {
            return MalformedResponse($"invalid reply flag {flag}");
        }

        var rest = frame[2..];
        byte[]? surb = null;
        if (flag == 1)
        {
            ulong surbLength = ReadLength(rest);
            rest = rest[LengthPrefix..];
            if (surbLength > (ulong)rest.Length)
            {
                return MalformedResponse("not enough bytes to read reply_surb bytes!");
            }

            var surbBytes = rest[..(int)surbLength];
            if (ReplySurbFormat.Check(surbBytes) is { } surbError)
            {
                return MalformedResponse($"malformed reply SURB: {ReplySurbFormat.Debug(surbError)}");
            }

            rest = rest[(int)surbLength..];
            if (rest.Length < LengthPrefix)
            {
                return TooShortReceived();
            }

            surb = surbBytes.ToArray();
        }

        var message = rest[LengthPrefix..];
        ulong declared = ReadLength(rest);
        if (declared != (ulong)message.Length)
        {
            return MalformedResponse($"message len has inconsistent length. specified: {declared} got: {message.Length}");
        }

        return Ok(new ReceivedResponse(message.ToArray(), surb), out response);
    }

    // 02 ‖ recipient(96), exactly
    private static WebSocketApiError? TryDecodeSelfAddress(ReadOnlySpan<byte> frame, out ServerResponse? response)
    {
        response = null;
        if (frame.Length != 1 + Recipient.Length)
        {
            return new(ErrorKind.TooShortResponse, "not enough data provided to recover 'self_address'");
        }

        return Recipient.TryFromBytes(frame[1..], out var address, out var recipientError)
            ? Ok(new SelfAddressResponse(address), out response)
            : MalformedResponse($"malformed Recipient: {recipientError.Debug}");
    }

    private static ulong ReadLength(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt64BigEndian(bytes);

    private static void WriteWithLength(ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteUInt64BigEndian(writer.GetSpan(LengthPrefix), (ulong)bytes.Length);
        writer.Advance(LengthPrefix);
        writer.Write(bytes);
    }

    private static WebSocketApiError? Ok<T>(T value, out T? result)
        where T : class
    {
        result = value;
        return null;
    }

    private static WebSocketApiError Malformed(string message) => new(ErrorKind.MalformedRequest, message);

    private static WebSocketApiError MalformedResponse(string message) => new(ErrorKind.MalformedResponse, message);

    private static WebSocketApiError TooShortReply() => new(ErrorKind.TooShortRequest, "not enough data provided to recover 'reply'");

    private static WebSocketApiError TooShortReceived() => new(ErrorKind.TooShortResponse, "not enough data provided to recover 'received'");
}
