using Nym.Protocol.Fragments;
using Nym.Sphinx;
using Nym.Sphinx.Crypto;

namespace Nym.Protocol.Packets;

public enum ClientPayloadKind
{
    /// <summary>
    /// A SURB-ACK came back: <see cref="ClientPayload.AckedFragment"/> was delivered. Acks of cover and reply ids
    /// are reported too; nothing waits for them, so Nym ignores them.
    /// </summary>
    Ack,
    /// <summary>A fragment of a message: <see cref="ClientPayload.Content"/> is the serialized fragment.</summary>
    Fragment,
    /// <summary>A reply through one of our SURBs: <see cref="ClientPayload.Content"/> is the whole message.</summary>
    Reply,
    /// <summary>Loop cover: dropped.</summary>
    Cover,
    /// <summary>Nothing we can open: dropped.</summary>
    Malformed,
}

/// <summary>
/// What one payload pushed by the gateway turns out to be, on the client side (nym-mixnet.md §2.4, §3, §4):
/// 21 bytes are an ack; a payload whose first 32 bytes are the digest of a stored reply key is a reply; anything else
/// is g^e ‖ an encrypted fragment, or loop cover.
/// </summary>
public readonly record struct ClientPayload(ClientPayloadKind Kind, ReadOnlyMemory<byte> Content, FragmentIdentifier AckedFragment)
{
    /// <param name="takeReplyKey">finds the reply key of a digest and forgets it (each key is single-use), or null.</param>
    public static ClientPayload Open(
        ReadOnlySpan<byte> pushed, ReadOnlySpan<byte> ackKey, ReadOnlySpan<byte> encryptionPrivateKey, Func<Bytes32, byte[]?> takeReplyKey)
    {
        if (pushed.Length == AckPayload.Length)
        {
            return AckPayload.TryRecover(ackKey, pushed, out var id)
                ? new ClientPayload(ClientPayloadKind.Ack, default, id)
                : Malformed;
        }

        if (pushed.Length <= ReplySurb.DigestLength)
        {
            return Malformed;
        }

        return takeReplyKey(Bytes32.From(pushed[..ReplySurb.DigestLength])) is { } replyKey
            ? OpenReply(replyKey, pushed)
            : OpenFragmentOrCover(encryptionPrivateKey, pushed);
    }

    /// <summary>A reply through one of our SURBs (§4): digest ‖ AES-CTR(key, message ‖ 0x01 ‖ padding).</summary>
    public static ClientPayload OpenReply(ReadOnlySpan<byte> replyKey, ReadOnlySpan<byte> pushed)
    {
        var content = new byte[pushed.Length - ReplySurb.DigestLength];
        Aes128Ctr.Transform(replyKey, Aes128Ctr.ZeroIv, pushed[ReplySurb.DigestLength..], content);
        int end = Array.LastIndexOf(content, (byte)1);
        return end < 0 ? Malformed : new ClientPayload(ClientPayloadKind.Reply, content.AsMemory(0, end), default);
    }

    /// <summary>
    /// g^e ‖ an encrypted fragment or loop cover (§2.2, §3). Any payload longer than the digest decrypts to something
    /// (there is no MAC): a reply taken for one starts with the 18-byte cover marker with probability 2^-144, so a
    /// payload found to be cover here needs no reply-key lookup.
    /// </summary>
    public static ClientPayload OpenFragmentOrCover(ReadOnlySpan<byte> encryptionPrivateKey, ReadOnlySpan<byte> pushed)
    {
        if (pushed.Length <= EphemeralEncryption.PublicKeyLength)
        {
            return Malformed;
        }

        var fragment = new byte[pushed.Length - EphemeralEncryption.PublicKeyLength];
        EphemeralEncryption.TryDecrypt(encryptionPrivateKey, pushed, fragment);
        return fragment.AsSpan().StartsWith(PacketBuilder.CoverMarker)
            ? new ClientPayload(ClientPayloadKind.Cover, default, default)
            : new ClientPayload(ClientPayloadKind.Fragment, fragment, default);
    }

    private static ClientPayload Malformed => new(ClientPayloadKind.Malformed, default, default);
}
