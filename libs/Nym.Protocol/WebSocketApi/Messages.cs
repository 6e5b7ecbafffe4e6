using Nym.Protocol.Addressing;

namespace Nym.Protocol.WebSocketApi;

/// <summary>A request of an app to the client: <see cref="SendRequest"/>, <see cref="ReplyRequest"/> or <see cref="SelfAddressRequest"/>.</summary>
public abstract class ClientRequest
{
    private protected ClientRequest()
    {
    }
}

/// <summary>Send <see cref="Message"/> to <see cref="Recipient"/>, attaching a reply SURB when asked (§2, §3).</summary>
public sealed class SendRequest(Recipient recipient, byte[] message, bool withReplySurb) : ClientRequest
{
    public Recipient Recipient { get; } = recipient ?? throw new ArgumentNullException(nameof(recipient));

    public byte[] Message { get; } = message ?? throw new ArgumentNullException(nameof(message));

    public bool WithReplySurb { get; } = withReplySurb;
}

/// <summary>Answer anonymously through a reply SURB, given as its opaque bytes (§4: key(16) ‖ SURB).</summary>
public sealed class ReplyRequest : ClientRequest
{
    /// <summary>Throws when <paramref name="replySurb"/> does not have a reply SURB's length: a caller bug.</summary>
    public ReplyRequest(byte[] replySurb, byte[] message)
    {
        ArgumentNullException.ThrowIfNull(replySurb);
        ArgumentNullException.ThrowIfNull(message);
        if (ReplySurbFormat.Check(replySurb) is { } error)
        {
            throw new ArgumentException(error.ToString(), nameof(replySurb));
        }

        ReplySurb = replySurb;
        Message = message;
    }

    public byte[] ReplySurb { get; }

    public byte[] Message { get; }

    /// <summary>
    /// Nym decodes an over-long reply and then its handler refuses it (§2): the error to send back, or null when the
    /// message fits into one reply SURB.
    /// </summary>
    public WebSocketApiError? LengthError =>
        Message.Length > Packets.ReplySurb.MaxReplyLength ? WebSocketApiError.ReplyTooLong(Message.Length) : null;
}

/// <summary>Ask for the client's own address.</summary>
public sealed class SelfAddressRequest : ClientRequest
{
    public static readonly SelfAddressRequest Instance = new();

    private SelfAddressRequest()
    {
    }
}

/// <summary>What the client sends to an app: <see cref="ReceivedResponse"/>, <see cref="SelfAddressResponse"/> or <see cref="ErrorResponse"/>.</summary>
public abstract class ServerResponse
{
    private protected ServerResponse()
    {
    }
}

/// <summary>A message from the mixnet, with the reply SURB its sender attached, if any (opaque bytes, §4).</summary>
public sealed class ReceivedResponse : ServerResponse
{
    /// <summary>Throws when <paramref name="replySurb"/> does not have a reply SURB's length: a caller bug.</summary>
    public ReceivedResponse(byte[] message, byte[]? replySurb)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (replySurb is not null && ReplySurbFormat.Check(replySurb) is { } error)
        {
            throw new ArgumentException(error.ToString(), nameof(replySurb));
        }

        Message = message;
        ReplySurb = replySurb;
    }

    public byte[] Message { get; }

    public byte[]? ReplySurb { get; }
}

/// <summary>The client's own address.</summary>
public sealed class SelfAddressResponse(Recipient address) : ServerResponse
{
    public Recipient Address { get; } = address ?? throw new ArgumentNullException(nameof(address));
}

/// <summary>A refused request (or, on the app side, a refused response).</summary>
public sealed class ErrorResponse(WebSocketApiError error) : ServerResponse
{
    public WebSocketApiError Error { get; } = error ?? throw new ArgumentNullException(nameof(error));
}
