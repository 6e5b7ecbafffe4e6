using System.Buffers.Binary;

namespace Nym.Protocol.Fragments;

/// <summary>
/// The (set id, position) pair that SURB-ACKs carry (nym-mixnet.md §2.3, §2.4), 5 bytes on the wire:
/// <code>
/// [set_id : i32 BE][position : u8]
/// </code>
/// (0, 0) marks cover traffic; a positive set id with position 0 marks a reply. <c>default</c> is the cover id.
/// </summary>
public readonly record struct FragmentIdentifier
{
    public const int EncodedLength = 5;

    /// <param name="setId">0 for cover, else a set id in 1..2³¹−1.</param>
    /// <param name="position">The 1-based fragment position, or 0 for cover and replies.</param>
    public FragmentIdentifier(int setId, byte position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(setId);
        SetId = setId;
        Position = position;
    }

    /// <summary>The id that cover packets' acks carry, (0, 0).</summary>
    public static FragmentIdentifier Cover => default;

    public int SetId { get; }

    public byte Position { get; }

    public bool IsCover => SetId == 0 && Position == 0;

    public bool IsReply => SetId > 0 && Position == 0;

    /// <summary>A fresh reply id: a random set id with position 0 (Nym's <c>FragmentIdentifier::new_reply</c>, §4).</summary>
    public static FragmentIdentifier NewReply() => new(SetIds.NewRandom(), 0);

    public void WriteTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, EncodedLength, nameof(destination));
        BinaryPrimitives.WriteInt32BigEndian(destination, SetId);
        destination[4] = Position;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[EncodedLength];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Reads exactly 5 bytes; false for another length or a negative set id (Nym's MalformedFragmentIdentifier).</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out FragmentIdentifier identifier)
    {
        identifier = default;
        if (bytes.Length != EncodedLength)
        {
            return false;
        }

        int setId = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (setId < 0)
        {
            return false;
        }

        identifier = new FragmentIdentifier(setId, bytes[4]);
        return true;
    }
}
