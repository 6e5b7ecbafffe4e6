using Nym.Protocol.Topology;
using Grpc.Core;
using Nym.Sphinx;
using Nym.Topology.V1;

namespace Nym.Topology;

/// <summary>
/// topology.proto's TopologyService. Every refusal is an <see cref="RpcException"/> with InvalidArgument,
/// Unauthenticated or Unavailable and a message saying what to fix; it is counted and logged by reason only.
/// </summary>
internal sealed partial class TopologyGrpcService(
    TopologyState state, TopologyMetrics metrics, IHostApplicationLifetime lifetime, ILogger<TopologyGrpcService> logger)
    : TopologyService.TopologyServiceBase
{
    private const string RegisterRequestName = "register", DeregisterRequestName = "deregister";

    public override Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        var refusal = RequestChecks.TryParseDescriptor(request.DescriptorBytes, out var descriptor)
            ?? RequestChecks.CheckSignature(descriptor.IdentityKey, request.Signature, RegistrationMessages.Register(request.DescriptorBytes.Span),
                "\"nym-topology/register/v1\" followed by the descriptor bytes")
            ?? RequestChecks.CheckFields(descriptor);
        if (refusal is null)
        {
            // A caller that has given up (deadline, cancel) gets no registration made on its behalf.
            context.CancellationToken.ThrowIfCancellationRequested();
            refusal = state.Register(Bytes32.From(descriptor.IdentityKey.Span), descriptor, request.DescriptorBytes.ToByteArray(), out var expiresAt);
            if (refusal is null)
            {
                metrics.Accepted(RegisterRequestName);
                LogRegistered(descriptor.Kind, descriptor.Layer);
                return Task.FromResult(new RegisterResponse { ExpiresAtUnixMs = (ulong)expiresAt.ToUnixTimeMilliseconds() });
            }
        }

        throw Refuse(RegisterRequestName, refusal);
    }

    public override Task<DeregisterResponse> Deregister(DeregisterRequest request, ServerCallContext context)
    {
        var refusal = RequestChecks.CheckSignature(
            request.IdentityKey, request.Signature, RegistrationMessages.Deregister(request.IdentityKey.Span, request.IssuedAtUnixMs),
            "\"nym-topology/deregister/v1\" followed by identity_key and issued_at_unix_ms (u64 big-endian)");
        if (refusal is null)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            refusal = state.Deregister(Bytes32.From(request.IdentityKey.Span), request.IssuedAtUnixMs);
            if (refusal is null)
            {
                metrics.Accepted(DeregisterRequestName);
                LogDeregistered();
                return Task.FromResult(new DeregisterResponse());
            }
        }

        throw Refuse(DeregisterRequestName, refusal);
    }

    public override Task<V1.Topology> GetTopology(GetTopologyRequest request, ServerCallContext context) =>
        Task.FromResult(state.Current.Message);

    public override async Task WatchTopology(WatchTopologyRequest request, IServerStreamWriter<V1.Topology> responseStream, ServerCallContext context)
    {
        // Streams end when the service stops, or they would hold up a graceful shutdown until Kestrel's timeout.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var snapshot = state.Current;
        try
        {
            while (true)
            {
                await responseStream.WriteAsync(snapshot.Message, stop.Token);
                // Changes that come faster than the watcher reads are coalesced: it always gets the latest topology.
                await snapshot.Superseded.WaitAsync(stop.Token);
                snapshot = state.Current;
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the topology service is shutting down; watch again in a moment"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller left: nothing to say to it.
        }
    }

    private RpcException Refuse(string request, Refusal refusal)
    {
        metrics.Refused(request, refusal);
        LogRefused(request, refusal.Tag);
        return refusal.ToException();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Registration accepted: {Kind}, layer {Layer}")]
    private partial void LogRegistered(NodeKind kind, uint layer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deregistration accepted")]
    private partial void LogDeregistered();

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Request} request was refused: {Reason}")]
    private partial void LogRefused(string request, string reason);
}
