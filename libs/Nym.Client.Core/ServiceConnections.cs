using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Nym.Crypto.V1;
using Nym.KeyStore.V1;

namespace Nym.Client.Core;

/// <summary>
/// The gRPC channels to the KeyStore and the crypto service, every call carrying the service token
/// (ServiceDefaults' <see cref="ServiceToken"/>). DESIGN.md: deadlines on every call.
/// </summary>
internal sealed class ServiceConnections : IDisposable
{
    /// <summary>A unary call that is not a batch: keys, a signature, one reply.</summary>
    public static readonly TimeSpan ShortDeadline = TimeSpan.FromSeconds(10);

    /// <summary>A batch or a whole message's stream (a 1 MiB message is about 650 packets).</summary>
    public static readonly TimeSpan LongDeadline = TimeSpan.FromSeconds(60);

    private readonly GrpcChannel _keyStoreChannel;
    private readonly GrpcChannel _cryptoChannel;

    public ServiceConnections(ClientServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
        _keyStoreChannel = GrpcChannel.ForAddress(services.KeyStore);
        _cryptoChannel = services.Crypto == services.KeyStore ? _keyStoreChannel : GrpcChannel.ForAddress(services.Crypto);
        KeyStore = new KeyStoreService.KeyStoreServiceClient(_keyStoreChannel.CreateCallInvoker().WithServiceToken(services.ServiceToken));
        Crypto = new CryptoService.CryptoServiceClient(_cryptoChannel.CreateCallInvoker().WithServiceToken(services.ServiceToken));
    }

    public ClientServices Services { get; }

    public KeyStoreService.KeyStoreServiceClient KeyStore { get; }

    public CryptoService.CryptoServiceClient Crypto { get; }

    public static DateTime Deadline(TimeSpan after) => DateTime.UtcNow + after;

    /// <summary>What a person reads when a service call fails for a reason that is not the request's fault.</summary>
    public string Describe(RpcException e, bool crypto) => e.StatusCode switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded =>
            $"The {(crypto ? "crypto service" : "KeyStore")} at {(crypto ? Services.Crypto : Services.KeyStore)} did not answer ({e.Status.Detail}). "
            + "Start it, or check the services' URLs (NYM_KEYSTORE, NYM_CRYPTO or [services] in config.toml).",
        StatusCode.Unauthenticated =>
            $"The {(crypto ? "crypto service" : "KeyStore")} refused the service token: give every service the same {ServiceToken.EnvironmentVariable}.",
        _ => $"The {(crypto ? "crypto service" : "KeyStore")} answered {e.StatusCode}: {e.Status.Detail}",
    };

    public void Dispose()
    {
        _keyStoreChannel.Dispose();
        _cryptoChannel.Dispose();
    }
}
