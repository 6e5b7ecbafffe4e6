using Grpc.Core;

namespace Nym.Topology;

/// <summary>Why a request was refused: a small fixed set, used as the metric tag and in logs.</summary>
internal enum RefusalReason
{
    /// <summary>The bytes are not a descriptor, or a key or signature has the wrong length or is not a valid key.</summary>
    Malformed,
    /// <summary>The signature does not verify under the identity key.</summary>
    BadSignature,
    /// <summary>A descriptor field is out of range: host, port, layer, kind, version, location.</summary>
    InvalidField,
    /// <summary>issued_at is more than the freshness window away from the service's clock.</summary>
    Stale,
    /// <summary>issued_at is not newer than the last request accepted for the identity.</summary>
    Replay,
    /// <summary>The request was fine but could not be stored.</summary>
    StoreFailure,
    /// <summary>A new identity, but the directory holds as many nodes as it may.</summary>
    Full,
}

/// <summary>A refused request: the status the caller gets and a message that says what to fix, never a key or host.</summary>
internal sealed record Refusal(StatusCode Code, RefusalReason Reason, string Message)
{
    public static Refusal Invalid(RefusalReason reason, string message) => new(StatusCode.InvalidArgument, reason, message);

    public string Tag => Reason switch
    {
        RefusalReason.Malformed => "malformed",
        RefusalReason.BadSignature => "bad_signature",
        RefusalReason.InvalidField => "invalid_field",
        RefusalReason.Stale => "stale",
        RefusalReason.Replay => "replay",
        RefusalReason.Full => "full",
        _ => "store_failure",
    };

    public RpcException ToException() => new(new Status(Code, Message));
}
