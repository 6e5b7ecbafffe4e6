namespace Nym.Sphinx;

/// <summary>The error classes of the sphinx crate (its <c>ErrorKind</c>), with their display prefixes.</summary>
public enum SphinxErrorKind
{
    InvalidPacket,
    InvalidHeader,
    InvalidRouting,
    InvalidPayload,
    InvalidSurb,
}

/// <summary>
/// Why a packet, payload or SURB was refused. The texts are the sphinx crate's, so that logs and tests can be
/// compared with Nym's; <see cref="ToString"/> gives "&lt;kind text&gt;: &lt;message&gt;" as its Display does.
/// </summary>
public sealed record SphinxError(SphinxErrorKind Kind, string Message)
{
    public static readonly SphinxError InvalidMac = new(SphinxErrorKind.InvalidHeader, "failed to verify integrity MAC");

    public static readonly SphinxError PayloadBlockTooSmall =
        new(SphinxErrorKind.InvalidPayload, "error while unwrapping payload - Lioness block size must exceed 32 bytes.");

    public static readonly SphinxError NoLeadingZeroPadding =
        new(SphinxErrorKind.InvalidPayload, "malformed payload - no leading zero padding present");

    public static readonly SphinxError NoTrailingOneByte =
        new(SphinxErrorKind.InvalidPayload, "malformed payload - no trailing 0x01 byte present");

    public static readonly SphinxError SurbTooShort =
        new(SphinxErrorKind.InvalidSurb, "not enough bytes provided to try to recover a SURB");

    public static readonly SphinxError SurbInvalidLength =
        new(SphinxErrorKind.InvalidSurb, "bytes of invalid length provided");

    public static SphinxError UnknownRoutingFlag(byte flag) =>
        new(SphinxErrorKind.InvalidRouting, $"tried to parse unknown routing flag: {flag}");

    public static SphinxError PacketTooShort(int length) =>
        new(SphinxErrorKind.InvalidPacket, $"tried to recover sphinx packet using {length} bytes, expected at least {SphinxConstants.MinimumPacketLength}");

    public override string ToString() => $"{KindText}: {Message}";

    private string KindText => Kind switch
    {
        SphinxErrorKind.InvalidPacket => "packet processing failure",
        SphinxErrorKind.InvalidHeader => "header processing failure",
        SphinxErrorKind.InvalidRouting => "routing information processing failure",
        SphinxErrorKind.InvalidPayload => "payload processing failure",
        SphinxErrorKind.InvalidSurb => "SURB processing failure",
        _ => "sphinx failure",
    };
}
