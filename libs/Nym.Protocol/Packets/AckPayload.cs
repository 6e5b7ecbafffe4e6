using Nym.Protocol.Fragments;
using Nym.Sphinx.Crypto;

namespace Nym.Protocol.Packets;

/// <summary>
/// What a SURB-ACK delivers back to its sender (nym-mixnet.md §2.4): IV(16) ‖ AES-128-CTR(ack key, IV, fragment id(5)),
/// 21 bytes. Only the sender, who holds the ack key, can tell which fragment was acknowledged.
/// </summary>
public static class AckPayload
{
    public const int IvLength = 16;
    public const int Length = IvLength + FragmentIdentifier.EncodedLength;

    public static void Prepare(ReadOnlySpan<byte> ackKey, ReadOnlySpan<byte> iv, FragmentIdentifier id, Span<byte> payload)
    {
        Span<byte> plain = stackalloc byte[FragmentIdentifier.EncodedLength];
        id.WriteTo(plain);
        iv.CopyTo(payload);
        Aes128Ctr.Transform(ackKey, iv, plain, payload.Slice(IvLength, FragmentIdentifier.EncodedLength));
    }

    /// <summary>Recovers the fragment id; false unless the data is exactly 21 bytes and decrypts to a valid id.</summary>
    public static bool TryRecover(ReadOnlySpan<byte> ackKey, ReadOnlySpan<byte> payload, out FragmentIdentifier id)
    {
        id = default;
        if (payload.Length != Length)
        {
            return false;
        }

        Span<byte> plain = stackalloc byte[FragmentIdentifier.EncodedLength];
        Aes128Ctr.Transform(ackKey, payload[..IvLength], payload[IvLength..], plain);
        return FragmentIdentifier.TryParse(plain, out id);
    }
}
