using System.Security.Cryptography;
using Nym.Sphinx.Crypto;
using static Nym.Sphinx.SphinxConstants;

namespace Nym.Sphinx;

/// <summary>
/// Builds Sphinx packets of one payload size (nymtech/sphinx <c>SphinxPacketBuilder::with_payload_size</c>):
/// packet = header(348) ‖ payload(payload size). Nym uses 2065 for regular packets and 38 for acks (§2.1).
/// </summary>
public sealed class SphinxPacketBuilder
{
    public SphinxPacketBuilder(int payloadSize = DefaultPayloadSize)
    {
        SphinxPayload.Validate(payloadSize, 0);
        PayloadSize = payloadSize;
    }

    public int PayloadSize { get; }

    public int PacketLength => HeaderLength + PayloadSize;

    public int MaxMessageLength => PayloadSize - PayloadOverhead;

    /// <summary>Builds a packet with a fresh random secret and final-hop padding from the system CSPRNG.</summary>
    public void Build(ReadOnlySpan<SphinxHop> route, ReadOnlySpan<ulong> delays, in SphinxDestination destination, ReadOnlySpan<byte> message, Span<byte> packet)
    {
        SphinxHeader.Validate(route, delays);
        Span<byte> initialSecret = stackalloc byte[X25519.KeySize];
        Span<byte> padding = stackalloc byte[FinalHopPaddingLength(route.Length)];
        RandomNumberGenerator.Fill(initialSecret);
        RandomNumberGenerator.Fill(padding);
        Build(route, delays, destination, message, initialSecret, padding, packet);
        CryptographicOperations.ZeroMemory(initialSecret);
    }

    /// <summary>
    /// Builds a packet from explicit random inputs: the sender's ephemeral secret x (clamped here) and the random
    /// padding after the final routing information (300 − 60(n − 1) − 52 bytes). Used by tests with vectors.
    /// </summary>
    public void Build(
        ReadOnlySpan<SphinxHop> route, ReadOnlySpan<ulong> delays, in SphinxDestination destination, ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> initialSecret, ReadOnlySpan<byte> finalHopPadding, Span<byte> packet)
    {
        if (packet.Length != PacketLength)
        {
            throw new ArgumentException($"The packet buffer must be {PacketLength} bytes, not {packet.Length}.", nameof(packet));
        }

        SphinxPayload.Validate(PayloadSize, message.Length);
        RouteKeys keys = default;
        SphinxHeader.Build(route, delays, destination, initialSecret, finalHopPadding, packet[..HeaderLength], ref keys);

        var payload = packet[HeaderLength..];
        SphinxPayload.Encode(message, payload);
        for (int i = route.Length - 1; i >= 0; i--)
        {
            Lioness.Encrypt(keys[i].PayloadKey, payload);
        }

        for (int i = 0; i < route.Length; i++)
        {
            keys[i].Clear();
        }
    }
}
