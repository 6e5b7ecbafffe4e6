using System.Security.Cryptography;

namespace Nym.Protocol.Crypto;

/// <summary>
/// A <see cref="Random"/> that draws from the system CSPRNG, for routes and delays: every mix learns the exact delay
/// of its hop, so a predictable generator would let mixes learn the sender's later routes and delays (Nym uses OsRng).
/// Thread-safe, unlike <see cref="Random"/>'s seeded forms, which stay for tests only.
/// </summary>
public sealed class CryptoRandom : Random
{
    public static new CryptoRandom Shared { get; } = new();

    public override int Next() => RandomNumberGenerator.GetInt32(int.MaxValue);

    public override int Next(int maxValue) => maxValue <= 1 ? 0 : RandomNumberGenerator.GetInt32(maxValue);

    public override int Next(int minValue, int maxValue) => minValue >= maxValue - 1 ? minValue : RandomNumberGenerator.GetInt32(minValue, maxValue);

    /// <summary>A uniform double in [0, 1) from 53 random bits.</summary>
    public override double NextDouble()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return (BitConverter.ToUInt64(bytes) >> 11) * (1.0 / (1UL << 53));
    }

    public override void NextBytes(byte[] buffer) => RandomNumberGenerator.Fill(buffer);

    public override void NextBytes(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);

    protected override double Sample() => NextDouble();
}
