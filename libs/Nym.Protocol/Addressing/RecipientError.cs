namespace Nym.Protocol.Addressing;

/// <summary>Which part of a recipient was refused: the variants of Nym's <c>RecipientFormattingError</c> (§4).</summary>
public enum RecipientErrorClass
{
    /// <summary>Not exactly one "@", or not exactly one "." before it.</summary>
    MalformedRecipientError,
    MalformedIdentityError,
    MalformedEncryptionKeyError,
    MalformedGatewayError,
}

/// <summary>Why a key of a recipient was refused: the variants of Nym's key recovery errors.</summary>
public enum RecipientKeyError
{
    /// <summary>No key error: the shape of the whole recipient was wrong.</summary>
    None,
    /// <summary>The text is not base58 (bs58 0.4 error).</summary>
    MalformedString,
    /// <summary>ed25519-dalek refused the bytes: wrong length, or not a curve point.</summary>
    MalformedBytes,
    /// <summary>The X25519 key is not 32 bytes.</summary>
    InvalidPublicKeyBytes,
}

/// <summary>
/// A refused recipient, with the exact texts Nym produces: <see cref="Display"/> is what the text websocket API sends
/// after "malformed request:", <see cref="Debug"/> what the binary API sends after "malformed recipient: " (§2, §3).
/// </summary>
public sealed record RecipientError(RecipientErrorClass Class, RecipientKeyError Inner, string Display, string Debug)
{
    public static readonly RecipientError Malformed =
        new(RecipientErrorClass.MalformedRecipientError, RecipientKeyError.None, "recipient is malformed", "MalformedRecipientError");

    internal static readonly RecipientError InvalidEncryptionKey = new(
        RecipientErrorClass.MalformedEncryptionKeyError, RecipientKeyError.InvalidPublicKeyBytes,
        Prefix(RecipientErrorClass.MalformedEncryptionKeyError) + "Invalid public key bytes",
        "MalformedEncryptionKeyError(InvalidPublicKeyBytes)");

    public override string ToString() => Display;

    internal static RecipientError BadString(RecipientErrorClass errorClass, Base58Problem problem) => new(
        errorClass, RecipientKeyError.MalformedString,
        $"{Prefix(errorClass)}malformed string - {problem.Display}",
        $"{errorClass}(MalformedString({problem.Debug}))");

    internal static RecipientError WrongLength(RecipientErrorClass errorClass) =>
        SignatureError(errorClass, "PublicKey must be 32 bytes in length");

    internal static RecipientError NotOnCurve(RecipientErrorClass errorClass) =>
        SignatureError(errorClass, "Cannot decompress Edwards point");

    /// <summary>ed25519-dalek wraps its reason in the <c>signature</c> crate's error, whose Debug shows the source.</summary>
    private static RecipientError SignatureError(RecipientErrorClass errorClass, string reason) => new(
        errorClass, RecipientKeyError.MalformedBytes,
        $"{Prefix(errorClass)}malformed bytes - signature error: {reason}",
        $"{errorClass}(MalformedBytes(signature::Error {{ source: Some({reason}) }}))");

    private static string Prefix(RecipientErrorClass errorClass) => errorClass switch
    {
        RecipientErrorClass.MalformedIdentityError => "recipient's identity key is malformed: ",
        RecipientErrorClass.MalformedEncryptionKeyError => "recipient's encryption key is malformed: ",
        RecipientErrorClass.MalformedGatewayError => "recipient gateway's identity key is malformed: ",
        _ => throw new ArgumentOutOfRangeException(nameof(errorClass)),
    };
}
