using System.Security.Cryptography;
using Nym.Sphinx.Crypto;
using static Nym.Sphinx.SphinxConstants;

namespace Nym.Sphinx;

public enum SphinxHopKind
{
    /// <summary>Send <see cref="SphinxHopResult.OutputLength"/> bytes of the output to the next hop after the delay.</summary>
    Forward,
    /// <summary>This node is the last hop: the output holds the decrypted payload block for the destination.</summary>
    Final,
    /// <summary>The packet is refused; <see cref="SphinxHopResult.Error"/> says why.</summary>
    Failed,
}

/// <summary>The outcome of processing one packet at one node.</summary>
public readonly struct SphinxHopResult
{
    internal SphinxHopResult(SphinxHopKind kind, SphinxError? error, in HopRouting routing, int outputLength)
    {
        Kind = kind;
        Error = error;
        Address = routing.Address;
        DelayNanoseconds = routing.DelayNanoseconds;
        SurbIdentifier = routing.Identifier;
        SharedSecret = routing.SharedSecret;
        OutputLength = outputLength;
        if (kind != SphinxHopKind.Failed)
        {
            ReplayTag = ComputeReplayTag(routing.SharedSecret);
        }
    }

    public SphinxHopKind Kind { get; }

    public SphinxError? Error { get; }

    /// <summary>Forward: the next hop's address. Final: the destination address.</summary>
    public Bytes32 Address { get; }

    /// <summary>Forward: how long this node holds the packet, in nanoseconds.</summary>
    public ulong DelayNanoseconds { get; }

    /// <summary>Final: the SURB identifier of the routing layer.</summary>
    public Bytes16 SurbIdentifier { get; }

    /// <summary>X25519(node key, α), the hop's secret: for the vector tests only.</summary>
    internal Bytes32 SharedSecret { get; }

    /// <summary>
    /// A one-way digest of the hop's shared secret, set for packets that were processed: the same packet gives the same
    /// tag, so a node remembers tags to drop replays (D2) without keeping key material. Never log it.
    /// </summary>
    public Bytes16 ReplayTag { get; }

    /// <summary>Forward: the next packet's length. Final: the payload block's length.</summary>
    public int OutputLength { get; }

    public static SphinxHopResult Failed(SphinxError error) => new(SphinxHopKind.Failed, error, default, 0);

    private static Bytes16 ComputeReplayTag(in Bytes32 sharedSecret)
    {
        Bytes16 tag = default;
        Sodium.crypto_generichash_blake2b(tag, 16, sharedSecret.AsReadOnlySpan(), 32, ReplayTagKey, (nuint)ReplayTagKey.Length);
        return tag;
    }

    private static ReadOnlySpan<byte> ReplayTagKey => "NymAspire/sphinx/replay-tag/v1"u8;
}

/// <summary>
/// One node's Sphinx processing with its X25519 private key (nym-mixnet.md §1.6). Thread-safe, allocation-free on
/// success, and it never throws for a bad packet: every refusal is a <see cref="SphinxHopKind.Failed"/> result.
/// </summary>
public sealed class SphinxProcessor
{
    private readonly byte[] _privateKey;

    public SphinxProcessor(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != X25519.KeySize)
        {
            throw new ArgumentException($"A node's private key is {X25519.KeySize} bytes.", nameof(privateKey));
        }

        _privateKey = privateKey.ToArray();
    }

    /// <summary>
    /// Processes <paramref name="packet"/> and writes the result into <paramref name="output"/>, which needs at least
    /// the packet's length and may be the packet's own buffer. Forward: output = next packet (blinded α, new γ and β,
    /// payload with this hop's Lioness layer removed). Final: output starts with the decrypted payload block, ready
    /// for <see cref="SphinxPayload.TryRecoverPlaintext"/>.
    /// </summary>
    public SphinxHopResult Process(ReadOnlySpan<byte> packet, Span<byte> output)
    {
        if (packet.Length < MinimumPacketLength)
        {
            return SphinxHopResult.Failed(SphinxError.PacketTooShort(packet.Length));
        }

        if (output.Length < packet.Length)
        {
            throw new ArgumentException("The output buffer is shorter than the packet.", nameof(output));
        }

        // The next header is built on the stack and written only once the packet is accepted, so a refused packet
        // leaves the output (which may be the packet's own buffer) untouched.
        Span<byte> nextHeader = stackalloc byte[HeaderLength];
        int payloadLength = packet.Length - HeaderLength;

        RoutingKeys keys = default;
        HopRouting routing = default;
        try
        {
            var error = SphinxHeader.Process(packet[..HeaderLength], _privateKey, ref keys, nextHeader, ref routing);
            if (error is not null)
            {
                return new SphinxHopResult(SphinxHopKind.Failed, error, default, 0);
            }

            if (!Lioness.IsValidBlockLength(payloadLength))
            {
                return new SphinxHopResult(SphinxHopKind.Failed, SphinxError.PayloadBlockTooSmall, default, 0);
            }

            if (routing.IsFinal)
            {
                var block = output[..payloadLength];
                packet[HeaderLength..].CopyTo(block);
                Lioness.Decrypt(keys.PayloadKey, block);
                return new SphinxHopResult(SphinxHopKind.Final, null, routing, payloadLength);
            }

            var payload = output.Slice(HeaderLength, payloadLength);
            packet[HeaderLength..].CopyTo(payload);
            Lioness.Decrypt(keys.PayloadKey, payload);
            nextHeader.CopyTo(output);
            return new SphinxHopResult(SphinxHopKind.Forward, null, routing, packet.Length);
        }
        finally
        {
            keys.Clear();
        }
    }
}
