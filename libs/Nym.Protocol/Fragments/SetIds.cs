using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Nym.Protocol.Fragments;

/// <summary>Random fragment set ids (nym-mixnet.md §2.3).</summary>
internal static class SetIds
{
    /// <summary>
    /// A uniform id in 1..2³¹−1. Nym draws <c>rng.gen::&lt;i32&gt;().abs()</c> and re-draws 0; clearing the sign bit
    /// gives the same range without <c>abs(i32::MIN)</c>'s overflow.
    /// </summary>
    public static int NewRandom()
    {
        Span<byte> bytes = stackalloc byte[4];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            int id = BinaryPrimitives.ReadInt32LittleEndian(bytes) & int.MaxValue;
            if (id != 0)
            {
                return id;
            }
        }
    }
}
