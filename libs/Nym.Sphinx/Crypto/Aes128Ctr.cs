using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using AesNi = System.Runtime.Intrinsics.X86.Aes;
using Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace Nym.Sphinx.Crypto;

/// <summary>
/// AES-128 in counter mode exactly as RustCrypto's <c>Ctr64BE&lt;Aes128&gt;</c>, which Sphinx (β encryption,
/// nym-mixnet.md §1.2) and Nym (packets, acks, gateway frames, §2.1) use: the 16-byte IV is an 8-byte nonce
/// followed by a big-endian 64-bit counter that wraps mod 2^64 without carrying into the nonce.
/// With AES-NI the keystream is computed on the stack and nothing is allocated.
/// </summary>
public static class Aes128Ctr
{
    public const int KeySize = 16;
    public const int IvSize = 16;
    private const int BlockSize = 16;

    /// <summary>The all-zero IV that Sphinx and most of Nym use (nym-mixnet.md §1.2, §2.1).</summary>
    public static ReadOnlySpan<byte> ZeroIv => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>Tests switch this off to check the portable path against the AES-NI one.</summary>
    internal static bool UseAesNi { get; set; } = AesNi.IsSupported;

    /// <summary>output = input XOR keystream(key, iv). input and output may be the same span.</summary>
    public static void Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        CheckSizes(key, iv);
        if (output.Length < input.Length)
        {
            throw new ArgumentException("The output is shorter than the input.", nameof(output));
        }

        if (UseAesNi)
        {
            TransformAesNi(key, iv, input, output);
        }
        else
        {
            TransformPortable(key, iv, input, output);
        }
    }

    /// <summary>Writes the keystream (the encryption of zeros) into <paramref name="output"/>.</summary>
    public static void Keystream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> output)
    {
        output.Clear();
        Transform(key, iv, output, output);
    }

    private static void CheckSizes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"An AES-128 key is {KeySize} bytes, not {key.Length}.", nameof(key));
        }

        if (iv.Length != IvSize)
        {
            throw new ArgumentException($"A CTR IV is {IvSize} bytes, not {iv.Length}.", nameof(iv));
        }
    }

    [InlineArray(11)]
    private struct RoundKeys
    {
        private Vector128<byte> _element0;
    }

    private static void TransformAesNi(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        RoundKeys rk = default;
        ExpandKey(Vector128.Create(key), ref rk);

        ulong nonce = BinaryPrimitives.ReadUInt64LittleEndian(iv);
        ulong counter = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
        int offset = 0;
        Span<byte> lastBlock = stackalloc byte[BlockSize];

        // Four blocks at a time keep the AES units busy (each round has a latency of several cycles).
        while (input.Length - offset >= 4 * BlockSize)
        {
            var b0 = EncryptBlock(CounterBlock(nonce, counter), rk);
            var b1 = EncryptBlock(CounterBlock(nonce, counter + 1), rk);
            var b2 = EncryptBlock(CounterBlock(nonce, counter + 2), rk);
            var b3 = EncryptBlock(CounterBlock(nonce, counter + 3), rk);
            (Vector128.Create(input.Slice(offset, 16)) ^ b0).CopyTo(output.Slice(offset, 16));
            (Vector128.Create(input.Slice(offset + 16, 16)) ^ b1).CopyTo(output.Slice(offset + 16, 16));
            (Vector128.Create(input.Slice(offset + 32, 16)) ^ b2).CopyTo(output.Slice(offset + 32, 16));
            (Vector128.Create(input.Slice(offset + 48, 16)) ^ b3).CopyTo(output.Slice(offset + 48, 16));
            counter += 4;
            offset += 4 * BlockSize;
        }

        while (offset < input.Length)
        {
            var ks = EncryptBlock(CounterBlock(nonce, counter), rk);
            int n = Math.Min(BlockSize, input.Length - offset);
            if (n == BlockSize)
            {
                (Vector128.Create(input.Slice(offset, 16)) ^ ks).CopyTo(output.Slice(offset, 16));
            }
            else
            {
                ks.CopyTo(lastBlock);
                for (int i = 0; i < n; i++)
                {
                    output[offset + i] = (byte)(input[offset + i] ^ lastBlock[i]);
                }
            }

            counter++;
            offset += n;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> CounterBlock(ulong nonceLittleEndian, ulong counter) =>
        Vector128.Create(nonceLittleEndian, BinaryPrimitives.ReverseEndianness(counter)).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> EncryptBlock(Vector128<byte> block, in RoundKeys rk)
    {
        block ^= rk[0];
        for (int i = 1; i < 10; i++)
        {
            block = AesNi.Encrypt(block, rk[i]);
        }

        return AesNi.EncryptLast(block, rk[10]);
    }

    private static void ExpandKey(Vector128<byte> key, ref RoundKeys rk)
    {
        // The round constant must be an immediate, hence the unrolled calls.
        rk[0] = key;
        rk[1] = ExpandStep(rk[0], AesNi.KeygenAssist(rk[0], 0x01));
        rk[2] = ExpandStep(rk[1], AesNi.KeygenAssist(rk[1], 0x02));
        rk[3] = ExpandStep(rk[2], AesNi.KeygenAssist(rk[2], 0x04));
        rk[4] = ExpandStep(rk[3], AesNi.KeygenAssist(rk[3], 0x08));
        rk[5] = ExpandStep(rk[4], AesNi.KeygenAssist(rk[4], 0x10));
        rk[6] = ExpandStep(rk[5], AesNi.KeygenAssist(rk[5], 0x20));
        rk[7] = ExpandStep(rk[6], AesNi.KeygenAssist(rk[6], 0x40));
        rk[8] = ExpandStep(rk[7], AesNi.KeygenAssist(rk[7], 0x80));
        rk[9] = ExpandStep(rk[8], AesNi.KeygenAssist(rk[8], 0x1B));
        rk[10] = ExpandStep(rk[9], AesNi.KeygenAssist(rk[9], 0x36));
    }

    private static Vector128<byte> ExpandStep(Vector128<byte> previous, Vector128<byte> assist)
    {
        assist = Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
        previous ^= Sse2.ShiftLeftLogical128BitLane(previous, 4);
        previous ^= Sse2.ShiftLeftLogical128BitLane(previous, 4);
        previous ^= Sse2.ShiftLeftLogical128BitLane(previous, 4);
        return previous ^ assist;
    }

    private static void TransformPortable(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        int blocks = (input.Length + BlockSize - 1) / BlockSize;
        byte[] counters = new byte[blocks * BlockSize];
        ulong counter = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
        for (int i = 0; i < blocks; i++)
        {
            iv[..8].CopyTo(counters.AsSpan(i * BlockSize));
            BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan(i * BlockSize + 8), counter + (ulong)i);
        }

        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        byte[] keystream = aes.EncryptEcb(counters, PaddingMode.None);
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = (byte)(input[i] ^ keystream[i]);
        }
    }
}
