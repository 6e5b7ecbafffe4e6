using System.Net;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using Nym.Sphinx;
using Nym.Sphinx.Crypto;

namespace Nym.Benchmarks;

/// <summary>A topology of one node per layer and one gateway, two clients on it, and a 1 MiB message.</summary>
internal sealed class ProtocolFixture
{
    public const int MessageLength = 1024 * 1024;
    public readonly byte[] Message = RandomNumberGenerator.GetBytes(MessageLength);
    public readonly NymTopology Topology;
    public readonly Recipient Bob;
    public readonly EncryptionKeyPair BobEncryption = EncryptionKeyPair.Generate();
    public readonly AckKey AckKey = AckKey.Generate();
    public readonly PacketPreparer Alice;

    public ProtocolFixture()
    {
        var mixes = Enumerable.Range(1, 3).Select(layer => new MixNodeBond(Coin.Unym(1), Coin.Unym(0), "n1", layer, 1,
            new MixNodeDescriptor($"10.0.0.{layer}", 1789, 1790, 8000, EncryptionKeyPair.Generate().PublicKeyBase58, IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1", 10), null, null));
        var gateway = new GatewayBond(Coin.Unym(1), "n1", 1,
            new GatewayDescriptor("10.0.1.1", 1789, 9000, "here", EncryptionKeyPair.Generate().PublicKeyBase58, IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1"), null);
        NymTopology.TryBuild(mixes, [gateway], "1.0.1", null, out var topology, out _);
        Topology = topology!;
        var gatewayIdentity = Topology.Gateways[0].IdentityKey;
        Bob = new Recipient(IdentityKeyPair.Generate().PublicKey, BobEncryption.PublicKey, gatewayIdentity);
        Alice = new PacketPreparer(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, gatewayIdentity, AckKey, PacketDelays.Default);
    }
}

/// <summary>
/// Preparing a 1 MiB message into regular packets, against the X25519 operations it needs: per packet 12 —
/// the data packet's Sphinx header (α₀ and 4 hops), its SURB-ACK's (α₀ and 4 hops), and the ephemeral key (g^e and
/// the DH with the recipient's key).
/// </summary>
[MemoryDiagnoser]
public class PreparePacketsBenchmarks
{
    private const int X25519PerPacket = 12;
    private readonly ProtocolFixture _fixture = new();
    private readonly byte[] _scalar = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _point = new byte[32];
    private readonly byte[] _result = new byte[32];
    private int _packets;

    [GlobalSetup]
    public void Setup()
    {
        _packets = MessageSplitter.Split(_fixture.Message).Fragments.Count;
        X25519.DerivePublicKey(RandomNumberGenerator.GetBytes(32), _point);
        Console.WriteLine($"// 1 MiB = {_packets} regular packets, {X25519PerPacket * _packets} X25519 operations");
    }

    [Benchmark(Baseline = true, Description = "baseline: 12 X25519 per packet of 1 MiB")]
    public void X25519Operations()
    {
        for (int i = 0; i < X25519PerPacket * _packets; i++)
        {
            X25519.SharedSecret(_scalar, _point, _result);
        }
    }

    [Benchmark(Description = "prepare 1 MiB into packets")]
    public int PrepareMessage()
    {
        int count = 0;
        foreach (var fragment in MessageSplitter.Split(_fixture.Message).Fragments)
        {
            _fixture.Alice.TryPrepareFragment(_fixture.Topology, fragment, _fixture.Bob, PacketSize.Regular, out _);
            count++;
        }

        return count;
    }
}

/// <summary>
/// The receiving side of 1 MiB: the gateway's split of each final-hop payload, and the recipient's decryption of
/// every fragment (one X25519 each) and reassembly, against one X25519 per fragment.
/// </summary>
[MemoryDiagnoser]
public class ReceivePacketsBenchmarks
{
    private readonly ProtocolFixture _fixture = new();
    private readonly List<byte[]> _plaintexts = [];
    private readonly List<ReadOnlyMemory<byte>> _pushed = [];
    private readonly byte[] _scalar = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _point = new byte[32];
    private readonly byte[] _result = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        X25519.DerivePublicKey(RandomNumberGenerator.GetBytes(32), _point);
        var ack = new byte[SurbAck.Length];
        ack[0] = 4;
        foreach (var fragment in MessageSplitter.Split(_fixture.Message).Fragments)
        {
            // What the gateway recovers from a final hop: SURB-ACK ‖ g^e ‖ encrypted fragment.
            var plaintext = new byte[PacketSize.Regular.PlaintextLength()];
            ack.CopyTo(plaintext, 0);
            EphemeralEncryption.Encrypt(RandomNumberGenerator.GetBytes(32), _fixture.BobEncryption.PublicKey.AsReadOnlySpan(), fragment.ToBytes(), plaintext.AsSpan(SurbAck.Length));
            _plaintexts.Add(plaintext);
            GatewayDelivery.TrySplit(plaintext, PacketSize.Regular, out var delivery, out _);
            _pushed.Add(delivery.ClientPayload);
        }
    }

    [Benchmark(Baseline = true, Description = "baseline: 1 X25519 per fragment of 1 MiB")]
    public void X25519Operations()
    {
        for (int i = 0; i < _pushed.Count; i++)
        {
            X25519.SharedSecret(_scalar, _point, _result);
        }
    }

    [Benchmark(Description = "gateway split of 1 MiB of final-hop payloads")]
    public int GatewaySplit()
    {
        int total = 0;
        foreach (var plaintext in _plaintexts)
        {
            GatewayDelivery.TrySplit(plaintext, PacketSize.Regular, out var delivery, out _);
            total += delivery.ClientPayload.Length;
        }

        return total;
    }

    [Benchmark(Description = "client: decrypt and reassemble 1 MiB")]
    public int DecryptAndReassemble()
    {
        var reassembler = new MessageReassembler();
        ReassembledMessage? message = null;
        foreach (var pushed in _pushed)
        {
            var opened = ClientPayload.Open(pushed.Span, _fixture.AckKey.Bytes, _fixture.BobEncryption.PrivateKey, _ => null);
            if (reassembler.TryInsert(opened.Content, out var complete) == ReassemblyStatus.Completed)
            {
                message = complete;
            }
        }

        return message!.Message.Length;
    }
}
