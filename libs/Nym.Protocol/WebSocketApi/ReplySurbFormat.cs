using Nym.Sphinx;

namespace Nym.Protocol.WebSocketApi;

/// <summary>
/// The length rules of a reply SURB's bytes (nym-client-api.md §4): an AES-128 key(16) followed by a SURB of
/// header(348) ‖ first hop(32) ‖ 192 bytes of payload key per hop (1164 bytes in all for 3 hops). The SURB's rule is
/// <see cref="Surb.CheckLength"/>, so that whatever passes here also parses as a <see cref="Packets.ReplySurb"/>.
/// </summary>
internal static class ReplySurbFormat
{
    public const int KeyLength = Packets.ReplySurb.KeyLength;

    /// <summary>The longest reply SURB: one over the longest Sphinx route.</summary>
    public static int MaxLength => KeyLength + Surb.LengthFor(SphinxConstants.MaxPathLength);

    /// <summary>The error of sphinx's SURB recovery for bytes of this length, or null when the length is right.</summary>
    public static SphinxError? Check(ReadOnlySpan<byte> replySurb) =>
        // Nym 1.0.1 slices the key without checking and aborts below 16 bytes (§5, crash paths 1 and 2); those
        // bytes cannot hold a SURB either, so they get the error of a too short SURB.
        Surb.CheckLength(Math.Max(0, replySurb.Length - KeyLength));

    /// <summary>The Debug form of Nym's <c>ReplySurbError::RecoveryError</c>, which the binary API sends.</summary>
    public static string Debug(SphinxError error) =>
        $"RecoveryError(Custom(Custom {{ kind: InvalidSURB, error: \"{error.Message}\" }}))";
}
