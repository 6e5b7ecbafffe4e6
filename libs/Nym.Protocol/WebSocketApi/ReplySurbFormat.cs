using Nym.Sphinx;

namespace Nym.Protocol.WebSocketApi;

/// <summary>
/// The length rules of a reply SURB's bytes (nym-client-api.md §4): an AES-128 key(16) followed by a SURB of
/// header(348) ‖ first hop(32) ‖ 192 bytes of payload key per hop (1164 bytes in all for 3 hops). The hop bound is
/// <see cref="Surb.TryParse"/>'s, so that whatever passes here also builds a <see cref="Surb"/> later.
/// </summary>
internal static class ReplySurbFormat
{
    public const int KeyLength = 16;

    /// <summary>The error of sphinx's SURB recovery for bytes of this length, or null when the length is right.</summary>
    public static SphinxError? Check(ReadOnlySpan<byte> replySurb)
    {
        // Nym 1.0.1 slices the key without checking and aborts below 16 bytes (§5, crash paths 1 and 2); those
        // bytes cannot hold a SURB either, so they get the error of a too short SURB.
        int surbLength = replySurb.Length - KeyLength;
        if (surbLength < Surb.LengthFor(1))
        {
            return SphinxError.SurbTooShort;
        }

        int keysLength = surbLength - Surb.LengthFor(0);
        return keysLength % SphinxConstants.PayloadKeyLength != 0 || keysLength / SphinxConstants.PayloadKeyLength > SphinxConstants.MaxPathLength
            ? SphinxError.SurbInvalidLength
            : null;
    }

    /// <summary>The Debug form of Nym's <c>ReplySurbError::RecoveryError</c>, which the binary API sends.</summary>
    public static string Debug(SphinxError error) =>
        $"RecoveryError(Custom(Custom {{ kind: InvalidSURB, error: \"{error.Message}\" }}))";
}
