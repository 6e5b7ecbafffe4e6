using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Nym.Sphinx;
using Nym.Sphinx.Crypto;

namespace Nym.Benchmarks;

/// <summary>The cost of each primitive one Sphinx hop uses, to see where a hop's time goes.</summary>
[MemoryDiagnoser]
public class PrimitiveBenchmarks
{
    private readonly byte[] _privateKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _point = new byte[32];
    private readonly byte[] _out32 = new byte[32];
    private readonly byte[] _keys = new byte[256];
    private readonly byte[] _beta = RandomNumberGenerator.GetBytes(300);
    private readonly byte[] _stream = new byte[360];
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(2065);
    private readonly byte[] _lionessKey = RandomNumberGenerator.GetBytes(192);

    [GlobalSetup]
    public void Setup() => X25519.DerivePublicKey(RandomNumberGenerator.GetBytes(32), _point);

    [Benchmark(Baseline = true)]
    public void X25519SharedSecret() => X25519.SharedSecret(_privateKey, _point, _out32);

    [Benchmark]
    public void X25519Unclamped() => X25519.MultiplyUnclamped(_privateKey, _point, _out32);

    [Benchmark]
    public void HkdfSha256RoutingKeys() => HKDF.DeriveKey(HashAlgorithmName.SHA256, _out32, _keys, default, SphinxConstants.HkdfInfo);

    [Benchmark]
    public void HmacSha256Beta() => HMACSHA256.HashData(_keys.AsSpan(16, 16), _beta, _out32);

    [Benchmark]
    public void AesCtrKeystream360() => Aes128Ctr.Keystream(_keys.AsSpan(0, 16), Aes128Ctr.ZeroIv, _stream);

    [Benchmark]
    public void LionessEncrypt2065() => Lioness.Encrypt(_lionessKey, _payload);
}

[MemoryDiagnoser]
public class LionessPartsBenchmarks
{
    private readonly byte[] _data = RandomNumberGenerator.GetBytes(2033);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(64);
    private readonly byte[] _nonce = new byte[8];
    private readonly byte[] _digest = new byte[32];

    [Benchmark]
    public int ChaCha20Xor2033() => Sodium.crypto_stream_chacha20_xor(_data, _data, 2033, _nonce, _key.AsSpan(0, 32));

    [Benchmark]
    public int Blake2bKeyed2033() => Sodium.crypto_generichash_blake2b(_digest, 32, _data, 2033, _key, 64);
}
