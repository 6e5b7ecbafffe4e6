using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Nym.Sphinx;

/// <summary>32 bytes held inline (node addresses, destinations, keys), so results need no allocation.</summary>
[InlineArray(32)]
public struct Bytes32 : IEquatable<Bytes32>
{
    private byte _element0;

    public static Bytes32 From(ReadOnlySpan<byte> source)
    {
        if (source.Length != 32)
        {
            throw new ArgumentException($"Expected 32 bytes, got {source.Length}.", nameof(source));
        }

        Bytes32 value = default;
        source.CopyTo(value);
        return value;
    }

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> AsReadOnlySpan() => this;

    public readonly byte[] ToArray() => AsReadOnlySpan().ToArray();

    public readonly bool Equals(Bytes32 other) => CryptographicOperations.FixedTimeEquals(AsReadOnlySpan(), other.AsReadOnlySpan());

    public override readonly bool Equals(object? obj) => obj is Bytes32 other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(
        BitConverter.ToInt64(AsReadOnlySpan()), BitConverter.ToInt64(AsReadOnlySpan()[8..]),
        BitConverter.ToInt64(AsReadOnlySpan()[16..]), BitConverter.ToInt64(AsReadOnlySpan()[24..]));

    /// <summary>Deliberately uninformative: these bytes may be keys or addresses, which must not reach logs.</summary>
    public override readonly string ToString() => "Bytes32";

    public static bool operator ==(Bytes32 left, Bytes32 right) => left.Equals(right);

    public static bool operator !=(Bytes32 left, Bytes32 right) => !left.Equals(right);
}

/// <summary>16 bytes held inline (SURB identifiers, MACs).</summary>
[InlineArray(16)]
public struct Bytes16 : IEquatable<Bytes16>
{
    private byte _element0;

    public static Bytes16 From(ReadOnlySpan<byte> source)
    {
        if (source.Length != 16)
        {
            throw new ArgumentException($"Expected 16 bytes, got {source.Length}.", nameof(source));
        }

        Bytes16 value = default;
        source.CopyTo(value);
        return value;
    }

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> AsReadOnlySpan() => this;

    public readonly byte[] ToArray() => AsReadOnlySpan().ToArray();

    public readonly bool Equals(Bytes16 other) => CryptographicOperations.FixedTimeEquals(AsReadOnlySpan(), other.AsReadOnlySpan());

    public override readonly bool Equals(object? obj) => obj is Bytes16 other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(BitConverter.ToInt64(AsReadOnlySpan()), BitConverter.ToInt64(AsReadOnlySpan()[8..]));

    public override readonly string ToString() => "Bytes16";

    public static bool operator ==(Bytes16 left, Bytes16 right) => left.Equals(right);

    public static bool operator !=(Bytes16 left, Bytes16 right) => !left.Equals(right);
}
