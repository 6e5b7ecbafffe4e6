using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Nym.Sphinx;
using Nym.Sphinx.Crypto;

namespace Nym.Benchmarks;

/// <summary>A 4-hop route (3 mixes + gateway) of random nodes, as Nym builds for every regular packet.</summary>
internal sealed class SphinxFixture
{
    public const int PayloadSize = 2065;
    public readonly byte[][] PrivateKeys = new byte[4][];
    public readonly SphinxHop[] Route = new SphinxHop[4];
    public readonly ulong[] Delays = [50_000_000, 50_000_000, 50_000_000, 0];
    public readonly SphinxDestination Destination = new(Bytes32.From(RandomNumberGenerator.GetBytes(32)), default);
    public readonly byte[] Message = RandomNumberGenerator.GetBytes(2048);
    public readonly SphinxPacketBuilder Builder = new(PayloadSize);

    public SphinxFixture()
    {
        for (int i = 0; i < 4; i++)
        {
            PrivateKeys[i] = RandomNumberGenerator.GetBytes(32);
            X25519.Clamp(PrivateKeys[i]);
            var publicKey = new byte[32];
            X25519.DerivePublicKey(PrivateKeys[i], publicKey);
            Route[i] = new SphinxHop(Bytes32.From(RandomNumberGenerator.GetBytes(32)), Bytes32.From(publicKey));
        }
    }

    public byte[] NewPacket()
    {
        var packet = new byte[Builder.PacketLength];
        Builder.Build(Route, Delays, Destination, Message, packet);
        return packet;
    }
}

/// <summary>
/// One hop at a node against its physical limit: two X25519 multiplications (the DH and the α blinding) plus the
/// hop's symmetric work (HKDF-SHA256 → 256 B, HMAC-SHA256 over β, 360 B of AES-CTR, Lioness over the payload)
/// called directly on the primitives, with no packet handling around them.
/// </summary>
[MemoryDiagnoser]
public class SphinxHopBenchmarks
{
    private readonly SphinxFixture _fixture = new();
    private byte[] _forwardPacket = [];
    private byte[] _finalPacket = [];
    private byte[] _output = [];
    private SphinxProcessor _firstHop = null!;
    private SphinxProcessor _lastHop = null!;
    private readonly byte[] _keys = new byte[256];
    private readonly byte[] _scratch = new byte[360];
    private readonly byte[] _mac = new byte[32];
    private readonly byte[] _shared = new byte[32];
    private readonly byte[] _blinded = new byte[32];
    private readonly byte[] _eightT = new byte[32];
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(SphinxFixture.PayloadSize);

    [GlobalSetup]
    public void Setup()
    {
        _forwardPacket = _fixture.NewPacket();
        _output = new byte[_forwardPacket.Length];
        _firstHop = new SphinxProcessor(_fixture.PrivateKeys[0]);
        _lastHop = new SphinxProcessor(_fixture.PrivateKeys[3]);

        // The packet as the last hop receives it.
        _finalPacket = (byte[])_forwardPacket.Clone();
        for (int i = 0; i < 3; i++)
        {
            new SphinxProcessor(_fixture.PrivateKeys[i]).Process(_finalPacket, _finalPacket);
        }

        _eightT[31] = 0x40;
        RandomNumberGenerator.Fill(_eightT.AsSpan(1, 30));
        _eightT[0] = 0x08;
    }

    [Benchmark(Baseline = true, Description = "baseline: 2 X25519 + hop symmetric work")]
    public void HopBaseline()
    {
        var alpha = _forwardPacket.AsSpan(0, 32);
        X25519.SharedSecret(_fixture.PrivateKeys[0], alpha, _shared);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _shared, _keys, default, SphinxConstants.HkdfInfo);
        HMACSHA256.HashData(_keys.AsSpan(16, 16), _forwardPacket.AsSpan(48, 300), _mac);
        Aes128Ctr.Keystream(_keys.AsSpan(0, 16), Aes128Ctr.ZeroIv, _scratch);
        X25519.SharedSecret(_eightT, alpha, _blinded);
        Lioness.Decrypt(_keys.AsSpan(32, 192), _payload);
    }

    [Benchmark(Description = "forward hop (2413-byte packet)")]
    public SphinxHopKind ForwardHop() => _firstHop.Process(_forwardPacket, _output).Kind;

    [Benchmark(Description = "final hop (2413-byte packet)")]
    public SphinxHopKind FinalHop() => _lastHop.Process(_finalPacket, _output).Kind;
}

/// <summary>
/// Creating a 4-hop packet with a 2065-byte payload against the X25519 operations it needs: α₀ = x·B and one
/// multiplication per hop.
/// </summary>
[MemoryDiagnoser]
public class SphinxCreateBenchmarks
{
    private readonly SphinxFixture _fixture = new();
    private readonly byte[] _packet = new byte[2413];
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _result = new byte[32];

    [Benchmark(Baseline = true, Description = "baseline: 5 X25519 (1 base + 4 variable)")]
    public void FiveScalarMultiplications()
    {
        X25519.DerivePublicKey(_secret, _result);
        for (int i = 0; i < 4; i++)
        {
            X25519.SharedSecret(_secret, _fixture.Route[i].PublicKey.AsReadOnlySpan(), _result);
        }
    }

    [Benchmark(Description = "create 4-hop packet, 2065-byte payload")]
    public void CreatePacket() =>
        _fixture.Builder.Build(_fixture.Route, _fixture.Delays, _fixture.Destination, _fixture.Message, _packet);
}
