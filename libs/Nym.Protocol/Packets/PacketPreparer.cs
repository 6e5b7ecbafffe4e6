using System.Security.Cryptography;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Protocol.Topology;
using Nym.Sphinx;

namespace Nym.Protocol.Packets;

/// <summary>The per-hop mean delays of a client's packets (nym-mixnet.md §3; defaults are Nym 1.0.1's).</summary>
public sealed record PacketDelays(TimeSpan AveragePacketDelay, TimeSpan AverageAckDelay)
{
    public static readonly PacketDelays Default = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
}

/// <summary>
/// Prepares one client's packets for real traffic: draws a fresh route from the topology, fresh delays, a fresh
/// Sphinx secret and ephemeral key for every packet and every SURB-ACK, and hands them to <see cref="PacketBuilder"/>.
/// A topology that lacks the sender's or the recipient's gateway cannot carry the packet: the Try methods then
/// return false and the caller keeps the message queued. Routes and delays come from the system CSPRNG unless a
/// <see cref="Random"/> is given (tests); a given one must not be shared across threads.
/// </summary>
public sealed class PacketPreparer(Bytes32 identity, Bytes32 encryptionKey, Bytes32 gateway, AckKey ackKey, PacketDelays delays, Random? random = null)
{
    private readonly Random _random = random ?? Crypto.CryptoRandom.Shared;

    public Bytes32 Identity => identity;

    public bool TryPrepareFragment(NymTopology topology, in Fragment fragment, Recipient recipient, PacketSize size, out PreparedPacket? packet)
    {
        packet = null;
        if (!TryDraw(topology, recipient.Gateway, delays.AveragePacketDelay, out var sphinx) || !TryDrawAck(topology, out var ack))
        {
            return false;
        }

        var ephemeral = RandomNumberGenerator.GetBytes(32);
        packet = PacketBuilder.Fragment(fragment.ToBytes(), recipient, size, fragment.Identifier, ackKey.Bytes, identity, ack, sphinx, ephemeral);
        Forget(ephemeral, sphinx, ack.Sphinx);
        return true;
    }

    public bool TryPrepareLoopCover(NymTopology topology, out PreparedPacket? packet)
    {
        packet = null;
        if (!TryDraw(topology, gateway, delays.AveragePacketDelay, out var sphinx) || !TryDrawAck(topology, out var ack))
        {
            return false;
        }

        var ephemeral = RandomNumberGenerator.GetBytes(32);
        packet = PacketBuilder.LoopCover(identity, encryptionKey, ackKey.Bytes, ack, sphinx, ephemeral);
        Forget(ephemeral, sphinx, ack.Sphinx);
        return true;
    }

    /// <summary>A reply SURB back to this client; the caller stores its key before sending (nym-mixnet.md §4).</summary>
    public bool TryCreateReplySurb(NymTopology topology, out ReplySurb? replySurb)
    {
        replySurb = null;
        if (!TryDraw(topology, gateway, delays.AveragePacketDelay, out var sphinx))
        {
            return false;
        }

        replySurb = ReplySurb.Create(identity, sphinx);
        Forget([], sphinx);
        return true;
    }

    /// <summary>
    /// A reply through a SURB someone attached; its SURB-ACK comes back to this client and is ignored. False when the
    /// message is longer than <see cref="ReplySurb.MaxReplyLength"/> or the topology lacks this client's gateway.
    /// </summary>
    public bool TryPrepareReply(NymTopology topology, ReplySurb replySurb, ReadOnlySpan<byte> message, out PreparedPacket? packet)
    {
        packet = null;
        if (message.Length > ReplySurb.MaxReplyLength || !TryDrawAck(topology, out var ack))
        {
            return false;
        }

        packet = PacketBuilder.Reply(replySurb, message, FragmentIdentifier.NewReply(), ackKey.Bytes, identity, ack);
        Forget([], ack.Sphinx);
        return true;
    }

    /// <summary>A packet's secrets yield every hop key of its route: they go once the packet is built.</summary>
    private static void Forget(byte[] ephemeralKey, params SphinxInputs[] used)
    {
        CryptographicOperations.ZeroMemory(ephemeralKey);
        foreach (var sphinx in used)
        {
            CryptographicOperations.ZeroMemory(sphinx.InitialSecret);
        }
    }

    private bool TryDraw(NymTopology topology, in Bytes32 destinationGateway, TimeSpan averageDelay, out SphinxInputs sphinx)
    {
        sphinx = null!;
        var route = new SphinxHop[SphinxInputs.RouteLength];
        if (!topology.TryChooseRoute(destinationGateway, _random, route))
        {
            return false;
        }

        sphinx = SphinxInputs.Random(route, averageDelay, _random);
        return true;
    }

    private bool TryDrawAck(NymTopology topology, out SurbAckInputs ack)
    {
        ack = null!;
        if (!TryDraw(topology, gateway, delays.AverageAckDelay, out var sphinx))
        {
            return false;
        }

        ack = new SurbAckInputs(sphinx, RandomNumberGenerator.GetBytes(AckPayload.IvLength));
        return true;
    }
}
