using System.Security.Cryptography;
using Nym.Protocol.Crypto;
using Nym.Protocol.Encoding;
using Nym.Protocol.Framing;
using Nym.Sphinx;

namespace Nym.Protocol.Packets;

/// <summary>
/// A reply SURB as Nym attaches it to a message (nym-mixnet.md §4): a 16-byte AES-128 key and a Sphinx SURB over
/// 3 mixes and the original sender's gateway, addressed to the original sender.
/// Serialized: key(16) ‖ header(348) ‖ first hop(32) ‖ 4 × payload key(192) = 1164 bytes; base58 in text.
/// The sender keeps the key, indexed by its BLAKE3 digest, to recognise the reply once.
/// </summary>
public sealed class ReplySurb
{
    public const int KeyLength = 16;
    public const int DigestLength = 32;
    public static readonly int Length = KeyLength + Surb.LengthFor(SphinxInputs.RouteLength);

    /// <summary>The longest reply that fits one packet: 2048 − 405 (SURB-ACK) − 32 (digest) − 1 (the 0x01 marker).</summary>
    public static readonly int MaxReplyLength = PacketSize.Regular.PlaintextLength() - SurbAck.Length - DigestLength - 1;

    private readonly byte[] _key;

    private ReplySurb(byte[] key, Surb surb)
    {
        _key = key;
        Surb = surb;
    }

    public ReadOnlySpan<byte> EncryptionKey => _key;

    public Surb Surb { get; }

    /// <summary>Builds a reply SURB back to <paramref name="senderIdentity"/> through <paramref name="sphinx"/>'s route.</summary>
    public static ReplySurb Create(ReadOnlySpan<byte> key, in Bytes32 senderIdentity, SphinxInputs sphinx)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"A reply SURB key is {KeyLength} bytes.", nameof(key));
        }

        var surb = Surb.Create(sphinx.Route, sphinx.Delays, new SphinxDestination(senderIdentity, default), sphinx.InitialSecret, sphinx.FinalHopPadding);
        return new ReplySurb(key.ToArray(), surb);
    }

    public static ReplySurb Create(in Bytes32 senderIdentity, SphinxInputs sphinx) =>
        Create(RandomNumberGenerator.GetBytes(KeyLength), senderIdentity, sphinx);

    /// <summary>BLAKE3(key): how the original sender finds the key when the reply arrives.</summary>
    public static Bytes32 Digest(ReadOnlySpan<byte> key)
    {
        Span<byte> digest = stackalloc byte[DigestLength];
        Blake3Kdf.Hash(key, digest);
        return Bytes32.From(digest);
    }

    public Bytes32 KeyDigest => Digest(_key);

    public byte[] ToBytes()
    {
        var bytes = new byte[KeyLength + Surb.SerializedLength];
        _key.CopyTo(bytes, 0);
        Surb.WriteTo(bytes.AsSpan(KeyLength));
        return bytes;
    }

    public string ToBase58() => Base58.Encode(ToBytes());

    /// <summary>
    /// Parses key ‖ SURB (1164 bytes for Nym's 3-mix routes; any route length the SURB format allows). The SURB's
    /// first hop comes from whoever attached it, so it must be a node address. Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out ReplySurb? replySurb, out string error)
    {
        replySurb = null;
        SphinxError? surbError = SphinxError.SurbTooShort;
        if (bytes.Length < KeyLength || !Surb.TryParse(bytes[KeyLength..], out var surb, out surbError))
        {
            error = surbError!.ToString();
            return false;
        }

        if (!Addressing.NymNodeRoutingAddress.TryFromSphinxAddress(surb!.FirstHop, out _, out var addressError))
        {
            error = $"the reply SURB's first hop is not a node address ({addressError})";
            return false;
        }

        replySurb = new ReplySurb(bytes[..KeyLength].ToArray(), surb);
        error = "";
        return true;
    }

    public static bool TryParseBase58(string text, out ReplySurb? replySurb, out string error)
    {
        replySurb = null;
        if (!Base58.TryDecode(text, KeyLength + Surb.LengthFor(SphinxConstants.MaxPathLength), out var bytes))
        {
            error = "the reply SURB is not valid base58";
            return false;
        }

        return TryParse(bytes, out replySurb, out error);
    }

    public override string ToString() => "ReplySurb(…)";
}
