extern alias keystore;

using System.Diagnostics;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nym.Crypto;
using Nym.Crypto.V1;
using Nym.KeyStore.V1;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using KeyStoreOptions = keystore::Nym.KeyStore.KeyStoreOptions;
using KeyStoreServiceExtensions = keystore::Nym.KeyStore.KeyStoreServiceExtensions;

// Issue 5's Performance section: preparing a 1 MiB message through the crypto service over gRPC (a real KeyStore and
// the service on loopback, a fixed in-memory topology) versus in-process, alternating in the same run. Two in-process
// baselines: PacketPreparer on one thread, and the service's own batching code (MessageBatches: the same batches
// across the same cores) called directly. Prints packets per second three ways and the service's ratio to each; the
// target (service >= 0.8 x in-process) is judged against the equally parallel baseline (docs/performance.md).
int rounds = args is ["--rounds", var r] ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 10;
const string Token = "crypto-benchmark-service-token-0123456789";
const string ClientId = "bench";

var home = Directory.CreateTempSubdirectory("nym-crypto-bench-");
var keyStoreBuilder = WebApplication.CreateSlimBuilder();
keyStoreBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
keyStoreBuilder.Services.RemoveAll<ILoggerProvider>();
KeyStoreServiceExtensions.AddKeyStore(keyStoreBuilder.Services, new KeyStoreOptions(home.FullName, Token));
await using var keyStoreApp = keyStoreBuilder.Build();
KeyStoreServiceExtensions.MapKeyStore(keyStoreApp);
await keyStoreApp.StartAsync();
var keyStoreUrl = new Uri(keyStoreApp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

var gateway = IdentityKeyPair.Generate();
var topology = FixedTopology.Create(gateway);
await using var cryptoApp = CryptoApp.Build(
    new CryptoHostOptions(IPAddress.Loopback, 0, 0, new CryptoOptions { KeyStoreUrl = keyStoreUrl, ServiceToken = Token }),
    new FixedTopology(topology), services => services.RemoveAll<ILoggerProvider>());
await cryptoApp.StartAsync();

using var keyStoreChannel = GrpcChannel.ForAddress(keyStoreUrl);
var keyStore = new KeyStoreService.KeyStoreServiceClient(keyStoreChannel.CreateCallInvoker().WithServiceToken(Token));
var keys = await keyStore.CreateClientAsync(new CreateClientRequest { ClientId = ClientId });
await keyStore.SetGatewayKeysAsync(new SetGatewayKeysRequest
{
    ClientId = ClientId, GatewayIdentityKey = ByteString.CopyFrom(gateway.PublicKey.AsReadOnlySpan()), SharedKeys = ByteString.CopyFrom(new byte[32]),
});

using var cryptoChannel = GrpcChannel.ForAddress(cryptoApp.Services.GetRequiredService<ServiceEndpoints>().Grpc, new GrpcChannelOptions { MaxSendMessageSize = null });
var crypto = new CryptoService.CryptoServiceClient(cryptoChannel.CreateCallInvoker().WithServiceToken(Token));

// The in-process side: the same client's keys, read back from the KeyStore's files, and the same topology.
var data = Path.Combine(home.FullName, "clients", ClientId, "data");
byte[] Read(string file, string tag, int length) =>
    PemFile.TryRead(Path.Combine(data, file), tag, length, out var bytes, out var error) ? bytes : throw new InvalidOperationException(error);
var identity = IdentityKeyPair.FromPrivateKey(Read("private_identity.pem", Pem.Ed25519PrivateKey, 32));
var encryption = EncryptionKeyPair.FromPrivateKey(Read("private_encryption.pem", Pem.X25519PrivateKey, 32));
var preparer = new PacketPreparer(identity.PublicKey, encryption.PublicKey, gateway.PublicKey, AckKey.FromBytes(Read("ack_key.pem", Pem.AckKey, 16)), PacketDelays.Default);

var message = new byte[1024 * 1024];
Random.Shared.NextBytes(message);
var recipient = new Recipient(IdentityKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey, gateway.PublicKey);
var request = new PrepareMessageRequest { ClientId = ClientId, Recipient = recipient.ToBase58String(), Message = ByteString.CopyFrom(message) };

int SingleThreaded()
{
    int count = 0;
    foreach (var fragment in MessageSplitter.Split(message).Fragments)
    {
        if (!preparer.TryPrepareFragment(topology, fragment, recipient, PacketSize.Regular, out _))
        {
            throw new InvalidOperationException("no route");
        }

        count++;
    }

    return count;
}

// The same code the service runs for PrepareMessage, the same fragments (the message split once per call, as the
// service does), with the packets counted instead of written to a gRPC stream.
async Task<int> Parallel()
{
    int count = 0;
    var fragments = MessageSplitter.Split(message).Fragments;
    if (!await MessageBatches.PrepareAsync(preparer, topology, fragments, recipient, batch =>
        {
            count += batch.Length;
            return ValueTask.CompletedTask;
        }, CancellationToken.None))
    {
        throw new InvalidOperationException("no route");
    }

    return count;
}

async Task<int> Service()
{
    using var call = crypto.PrepareMessage(request);
    int count = 0;
    await foreach (var packet in call.ResponseStream.ReadAllAsync())
    {
        count++;
    }

    return count;
}

// Warm-up: JIT, connections, the service's key cache.
SingleThreaded();
await Parallel();
await Service();

var singleRates = new List<double>();
var parallelRates = new List<double>();
var serviceRates = new List<double>();
int packets = 0;
for (int round = 0; round < rounds; round++)
{
    var watch = Stopwatch.StartNew();
    packets = SingleThreaded();
    singleRates.Add(packets / watch.Elapsed.TotalSeconds);

    watch.Restart();
    int batched = await Parallel();
    parallelRates.Add(batched / watch.Elapsed.TotalSeconds);

    watch.Restart();
    int streamed = await Service();
    serviceRates.Add(streamed / watch.Elapsed.TotalSeconds);
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
double singleRate = Median(singleRates), parallelRate = Median(parallelRates), serviceRate = Median(serviceRates);
Console.WriteLine($"nym-crypto: 1 MiB = {packets} regular packets, {rounds} rounds alternating, {Environment.ProcessorCount} cores, medians");
Console.WriteLine($"  in-process, one thread (PacketPreparer):      {singleRate,8:N0} packets/s");
Console.WriteLine($"  in-process, all cores (MessageBatches):       {parallelRate,8:N0} packets/s");
Console.WriteLine($"  service over gRPC (KeyStore + Crypto):        {serviceRate,8:N0} packets/s");
Console.WriteLine($"  ratio service / in-process one thread:  {serviceRate / singleRate:0.00}");
Console.WriteLine($"  ratio service / in-process all cores:   {serviceRate / parallelRate:0.00}   (the target: >= 0.8)");

await cryptoApp.StopAsync();
await keyStoreApp.StopAsync();
home.Delete(recursive: true);

internal sealed class FixedTopology(NymTopology topology) : ITopologySource
{
    public NymTopology? Current => topology;

    /// <summary>Made-up nodes, never contacted: the service only prepares packets here.</summary>
    public static NymTopology Create(IdentityKeyPair gateway)
    {
        var none = Coin.Unym(0);
        var mixes = Enumerable.Range(1, 3).Select(layer => new MixNodeBond(none, none, "", layer, 0,
            new MixNodeDescriptor($"10.0.0.{layer}", 1789, 1790, 8000, EncryptionKeyPair.Generate().PublicKeyBase58,
                IdentityKeyPair.Generate().PublicKeyBase58, "1.0.1", 10), null, null));
        var gateways = new[]
        {
            new GatewayBond(none, "", 0, new GatewayDescriptor("10.0.0.9", 1789, 9000, "here", EncryptionKeyPair.Generate().PublicKeyBase58,
                gateway.PublicKeyBase58, "1.0.1"), null),
        };
        return NymTopology.TryBuild(mixes, gateways, "1.0.1", null, out var built, out var error) ? built! : throw new InvalidOperationException(error);
    }
}
