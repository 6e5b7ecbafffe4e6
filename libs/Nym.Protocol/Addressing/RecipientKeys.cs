using System.Buffers;
using System.Globalization;
using System.Numerics;

namespace Nym.Protocol.Addressing;

/// <summary>
/// The check behind ed25519-dalek 1.0.1's <c>PublicKey::from_bytes</c> (curve25519-dalek 3.2 decompression): bit 255
/// (the sign of x) is ignored, y is taken mod p even when non-canonical, and the key is valid iff
/// x² = (y² − 1)/(d·y² + 1) has a square root mod p = 2^255 − 19. There is no subgroup check. Public keys only, so
/// nothing here needs to be constant-time.
/// </summary>
public static class Ed25519Point
{
    private static readonly BigInteger P = (BigInteger.One << 255) - 19;

    // d = −121665/121666 mod p.
    private static readonly BigInteger D = Mod(-121665 * BigInteger.ModPow(121666, P - 2, P));

    public static bool CanDecompress(ReadOnlySpan<byte> compressed)
    {
        Span<byte> yBytes = stackalloc byte[32];
        compressed.CopyTo(yBytes);
        yBytes[31] &= 0x7f;
        var y = new BigInteger(yBytes, isUnsigned: true) % P;
        var ySquared = y * y % P;
        var u = Mod(ySquared - 1);
        var v = Mod(D * ySquared + 1);
        if (v.IsZero)
        {
            return u.IsZero;
        }

        // Euler's criterion on u/v: zero, or a square when raised to (p − 1)/2 gives 1.
        var ratio = u * BigInteger.ModPow(v, P - 2, P) % P;
        return ratio.IsZero || BigInteger.ModPow(ratio, (P - 1) / 2, P).IsOne;
    }

    private static BigInteger Mod(BigInteger value) => ((value % P) + P) % P;
}

/// <summary>
/// The first character that bs58 0.4 refuses in a base58 text, with that crate's Display and Debug texts. bs58 walks
/// the UTF-8 bytes and stops at the first byte above 127 or outside the alphabet; since only ASCII precedes that
/// byte, its byte index equals the UTF-16 index.
/// </summary>
internal sealed record Base58Problem(string Display, string Debug)
{
    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz");

    public static Base58Problem? Find(ReadOnlySpan<char> text)
    {
        int index = text.IndexOfAnyExcept(Alphabet);
        if (index < 0)
        {
            return null;
        }

        char c = text[index];
        return c > 127
            ? new($"provided string contained non-ascii character starting at byte {index}", $"NonAsciiCharacter {{ index: {index} }}")
            : new($"provided string contained invalid character '{c}' at byte {index}",
                $"InvalidCharacter {{ character: {RustCharDebug(c)}, index: {index} }}");
    }

    /// <summary>Rust's Debug of an ASCII char: quoted, with \0 \t \r \n \' \\ and \u{..} for other controls.</summary>
    private static string RustCharDebug(char c) => c switch
    {
        '\0' => @"'\0'",
        '\t' => @"'\t'",
        '\r' => @"'\r'",
        '\n' => @"'\n'",
        '\'' => @"'\''",
        '\\' => @"'\\'",
        < ' ' or '\x7f' => $"'\\u{{{((int)c).ToString("x", CultureInfo.InvariantCulture)}}}'",
        _ => $"'{c}'",
    };
}
