using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nym.Node.Config;
using Nym.Node.Keys;
using Nym.Protocol.Keys;
using Nym.Protocol.Topology;
using Nym.Topology.V1;

namespace Nym.Node.Topology;

/// <summary>How a node keeps itself registered with the Topology service (D11).</summary>
public sealed record TopologyRegistrationOptions
{
    public required Uri TopologyUrl { get; init; }

    /// <summary>The deadline of every call.</summary>
    public TimeSpan CallDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>While the service cannot be reached, retries wait min(initial·2^attempt, maximum).</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaximumDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A floor under the re-announce interval, whatever TTL the service grants.</summary>
    public TimeSpan MinimumReannounceInterval { get; init; } = TimeSpan.FromSeconds(1);
}

public enum RegistrationState
{
    NotRegistered,
    Registered,
    /// <summary>The service could not be reached (or did not answer within the deadline).</summary>
    Unreachable,
    /// <summary>The service answered with an error (e.g. a refused signature or a clock too far off).</summary>
    Refused,
    Deregistered,
}

/// <summary>
/// The signed requests of protos/topology.proto. A node signs with its own identity key (nodes own their keys).
/// Register: Ed25519 over <c>"nym-topology/register/v1" ‖ descriptor bytes</c>. Deregister: Ed25519 over
/// <c>"nym-topology/deregister/v1" ‖ identity key ‖ issued_at_unix_ms (u64 big-endian)</c>.
/// </summary>
public static class RegistrationSigning
{
    /// <summary>What a node announces, from its config and keys; <c>issued_at_unix_ms</c> is set when signing.</summary>
    internal static NodeDescriptor Describe(NodeConfig config, NodeKeys keys)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(keys);
        return new NodeDescriptor
        {
            Kind = config.Kind == NodeKind.MixNode ? Nym.Topology.V1.NodeKind.MixNode : Nym.Topology.V1.NodeKind.Gateway,
            IdentityKey = ByteString.CopyFrom(keys.Identity.PublicKey.AsReadOnlySpan()),
            SphinxKey = ByteString.CopyFrom(keys.Sphinx.PublicKey.AsReadOnlySpan()),
            Host = config.Host,
            MixPort = (uint)config.MixPort,
            ClientsPort = config.Kind == NodeKind.Gateway ? (uint)config.ClientsPort : 0,
            Layer = config.Kind == NodeKind.MixNode ? (uint)config.Layer : 0,
            Version = config.Version,
            Location = config.Location,
        };
    }

    /// <summary>Serializes <paramref name="descriptor"/> once, with <paramref name="issuedAtUnixMs"/>, and signs exactly those bytes.</summary>
    internal static RegisterRequest SignRegister(NodeDescriptor descriptor, IdentityKeyPair identity, ulong issuedAtUnixMs)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(identity);
        var issued = descriptor.Clone();
        issued.IssuedAtUnixMs = issuedAtUnixMs;
        var bytes = issued.ToByteArray();
        return new RegisterRequest
        {
            DescriptorBytes = ByteString.CopyFrom(bytes),
            Signature = ByteString.CopyFrom(identity.Sign(RegistrationMessages.Register(bytes))),
        };
    }

    internal static DeregisterRequest SignDeregister(IdentityKeyPair identity, ulong issuedAtUnixMs)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var key = identity.PublicKey.AsReadOnlySpan();
        return new DeregisterRequest
        {
            IdentityKey = ByteString.CopyFrom(key),
            IssuedAtUnixMs = issuedAtUnixMs,
            Signature = ByteString.CopyFrom(identity.Sign(RegistrationMessages.Deregister(key, issuedAtUnixMs))),
        };
    }
}

/// <summary>
/// Keeps the node in the Topology service's directory: registers at start, re-announces at a third of the TTL the
/// service grants, retries with capped backoff while the service is unreachable or refuses (one log line per change
/// of state, naming the URL), and deregisters on a graceful stop. Every call has a deadline.
/// </summary>
public sealed partial class TopologyRegistration : BackgroundService
{
    private readonly TopologyService.TopologyServiceClient _client;
    private readonly NodeDescriptor _descriptor;
    private readonly IdentityKeyPair _identity;
    private readonly TopologyRegistrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TopologyRegistration> _logger;

    private readonly Lock _lock = new();
    private int _registrations;

    internal TopologyRegistration(
        TopologyService.TopologyServiceClient client, NodeDescriptor descriptor, IdentityKeyPair identity,
        TopologyRegistrationOptions options, TimeProvider time, ILogger<TopologyRegistration> logger)
    {
        _client = client;
        _descriptor = descriptor;
        _identity = identity;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public RegistrationState State { get; private set; } = RegistrationState.NotRegistered;

    /// <summary>Successful Register calls so far (the first registration and every re-announcement).</summary>
    public int Registrations => Volatile.Read(ref _registrations);

    /// <summary>Stops announcing and removes the node from the directory if the service had accepted it.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // Bounded by the call's own deadline, not the host's token: by now the host may already have spent its
        // shutdown time on connections, and a cancelled token would leave the node listed until its TTL runs out.
        await DeregisterAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Errors are logged, never thrown: the service drops an expired registration anyway.</summary>
    private async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Only a node the service has accepted has anything to remove.
            if (Registrations == 0 || State == RegistrationState.Deregistered)
            {
                return;
            }

            State = RegistrationState.Deregistered;
        }

        try
        {
            var request = RegistrationSigning.SignDeregister(_identity, UnixMilliseconds());
            await _client.DeregisterAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            LogDeregistered(_options.TopologyUrl);
        }
        catch (RpcException e)
        {
            LogDeregisterFailed(_options.TopologyUrl, e.StatusCode, e.Status.Detail);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var request = RegistrationSigning.SignRegister(_descriptor, _identity, UnixMilliseconds());
                var response = await _client.RegisterAsync(request, deadline: Deadline(), cancellationToken: stoppingToken).ConfigureAwait(false);
                Interlocked.Increment(ref _registrations);
                failures = 0;
                var ttl = TimeSpan.FromMilliseconds((double)response.ExpiresAtUnixMs - UnixMilliseconds());
                wait = ttl / 3 > _options.MinimumReannounceInterval ? ttl / 3 : _options.MinimumReannounceInterval;
                if (Change(RegistrationState.Registered))
                {
                    LogRegistered(_options.TopologyUrl, wait);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Nothing leaves this loop: a background service that throws stops the host, and a node mixes
                // packets without the directory just as well.
                wait = Backoff.After(++failures, _options.RetryInitialDelay, _options.RetryMaximumDelay);
                var (status, detail) = e is RpcException rpc ? (rpc.StatusCode, rpc.Status.Detail) : (StatusCode.Unknown, e.Message);
                bool unreachable = status is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled;
                if (Change(unreachable ? RegistrationState.Unreachable : RegistrationState.Refused))
                {
                    if (unreachable)
                    {
                        LogUnreachable(_options.TopologyUrl, status, _options.RetryMaximumDelay);
                    }
                    else
                    {
                        LogRefused(_options.TopologyUrl, status, detail, _options.RetryMaximumDelay);
                    }
                }
            }
            catch (Exception)
            {
                return; // stopping
            }

            try
            {
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private bool Change(RegistrationState state)
    {
        lock (_lock)
        {
            if (State == state || State == RegistrationState.Deregistered)
            {
                return false;
            }

            State = state;
            return true;
        }
    }

    private ulong UnixMilliseconds() => (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds();

    // gRPC deadlines are wall-clock instants.
    private DateTime Deadline() => DateTime.UtcNow + _options.CallDeadline;

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered with the Topology service at {Url}; re-announcing every {Interval}")]
    private partial void LogRegistered(Uri url, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "The Topology service at {Url} is unreachable ({Status}); the node runs and keeps trying (every {MaxDelay} at most). "
        + "Start it (nym-api: dotnet run --project services/Nym.Topology, or the AppHost) or point --topology / NYM_TOPOLOGY at it")]
    private partial void LogUnreachable(Uri url, StatusCode status, TimeSpan maxDelay);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "The Topology service at {Url} refused the registration ({Status}: {Detail}); retrying every {MaxDelay} at most")]
    private partial void LogRefused(Uri url, StatusCode status, string detail, TimeSpan maxDelay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deregistered from the Topology service at {Url}")]
    private partial void LogDeregistered(Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not deregister from the Topology service at {Url} ({Status}: {Detail}); it drops the node when its registration expires")]
    private partial void LogDeregisterFailed(Uri url, StatusCode status, string detail);
}
