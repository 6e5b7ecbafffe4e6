using System.Net.WebSockets;
using Grpc.Core;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Nym.KeyStore.V1;
using Nym.Protocol.Encoding;
using Nym.Protocol.Gateway;
using Nym.Protocol.Topology;
using Nym.Sphinx;

namespace Nym.Client.Core;

/// <summary>
/// <c>nym-client init</c>'s work (nym-client-api.md §6): the client's keys in the KeyStore, a gateway from the
/// topology, and the registration handshake with it (nym-mixnet.md §5.2 with D1), whose identity signature the
/// KeyStore makes and whose derived shared keys the KeyStore stores.
/// </summary>
public static partial class ClientInitialisation
{
    /// <summary>
    /// Reads the topology from <paramref name="validatorApiUrls"/>, then has the KeyStore create the keys (or keeps
    /// existing ones), picks a random gateway (or the one named) and registers with it: see the overload taking the
    /// topology. Nothing is created when the topology cannot be read or lacks the named gateway.
    /// </summary>
    public static async Task<InitResult> InitAsync(string clientId, string? gatewayId, IReadOnlyList<Uri> validatorApiUrls,
        ClientServices services, ILogger logger, CancellationToken cancellationToken)
    {
        var topology = await ReadTopologyAsync(validatorApiUrls, gatewayId, logger, cancellationToken).ConfigureAwait(false);
        return await InitAsync(clientId, gatewayId, topology, services, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// init's first step, before anything is created (so that a failed init leaves nothing behind): the topology from
    /// the first validator API that answers, with the gateway named by <paramref name="gatewayId"/> (if any) in it.
    /// Throws <see cref="ClientSetupException"/> saying what to do.
    /// </summary>
    public static async Task<NymTopology> ReadTopologyAsync(IReadOnlyList<Uri> validatorApiUrls, string? gatewayId, ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validatorApiUrls);
        ArgumentNullException.ThrowIfNull(logger);
        var wanted = ParseGatewayId(gatewayId);
        await using var topology = new ValidatorApiTopology(validatorApiUrls, TimeSpan.FromDays(1), TimeProvider.System, logger);
        await topology.StartAsync(cancellationToken).ConfigureAwait(false);
        var current = topology.Current!;
        _ = NamedGateway(current, wanted, gatewayId);
        return current;
    }

    /// <summary>
    /// Has the KeyStore create the keys (or keeps existing ones); picks a random gateway from <paramref name="topology"/>
    /// (or the one named), registers with it. If the client already has a gateway and <paramref name="gatewayId"/> is
    /// null or the same, keeps it (no new handshake). Throws <see cref="ClientSetupException"/> with what to do when
    /// something is missing or refuses.
    /// </summary>
    public static async Task<InitResult> InitAsync(string clientId, string? gatewayId, NymTopology topology,
        ClientServices services, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(logger);
        var wanted = ParseGatewayId(gatewayId);
        var named = NamedGateway(topology, wanted, gatewayId);
        using var connections = new ServiceConnections(services);
        var client = new ClientRef { ClientId = clientId };
        var (keys, created) = await GetOrCreateKeysAsync(connections, clientId, cancellationToken).ConfigureAwait(false);

        if (keys.GatewayIdentityKey.Length == 32)
        {
            var registered = Bytes32.From(keys.GatewayIdentityKey.Span);
            if (wanted is null || wanted.Value == registered)
            {
                var known = topology.FindGateway(registered) ?? throw new ClientSetupException(
                    $"The gateway {Base58.Encode(keys.GatewayIdentityKey.Span)} that '{clientId}' is registered with is not in the topology any more: "
                    + $"choose another with `nym-client init --id {clientId} --gateway <gateway id>`.");
                LogGatewayKept(logger);
                return new InitResult(new GatewayEndpoint(Base58.Encode(keys.GatewayIdentityKey.Span), known.ClientsUrl), keys.Address, created, GatewayReused: true);
            }
        }

        var gateway = named ?? topology.Gateways[Random.Shared.Next(topology.Gateways.Count)];

        var sharedKeys = await RegisterAsync(connections, clientId, keys.IdentityKey.ToByteArray(), gateway, cancellationToken).ConfigureAwait(false);
        var request = new SetGatewayKeysRequest
        {
            ClientId = clientId, GatewayIdentityKey = ByteString.CopyFrom(gateway.IdentityKey.AsReadOnlySpan()), SharedKeys = ByteString.CopyFrom(sharedKeys),
        };
        try
        {
            await connections.KeyStore.SetGatewayKeysAsync(request, deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            keys = await connections.KeyStore.GetPublicKeysAsync(client, deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
        {
            throw new ClientSetupException(connections.Describe(e, crypto: false));
        }

        LogRegistered(logger);
        return new InitResult(new GatewayEndpoint(Base58.Encode(gateway.IdentityKey.AsReadOnlySpan()), gateway.ClientsUrl), keys.Address, created, GatewayReused: false);
    }

    private static Bytes32? ParseGatewayId(string? gatewayId)
    {
        if (gatewayId is null)
        {
            return null;
        }

        var bytes = new byte[32];
        return Base58.TryDecodeExact(gatewayId, bytes)
            ? Bytes32.From(bytes)
            : throw new ClientSetupException($"'{gatewayId}' is not a gateway id: a gateway id is a base58 Ed25519 key of 32 bytes.");
    }

    /// <summary>The gateway named on the command line, which must be in the topology; null when none is named.</summary>
    private static GatewayNode? NamedGateway(NymTopology topology, Bytes32? wanted, string? gatewayId) => wanted is { } id
        ? topology.FindGateway(id) ?? throw new ClientSetupException(
            $"Unknown gateway {gatewayId}: it is not among the {topology.Gateways.Count} gateway(s) of the topology. Leave out --gateway to pick one at random.")
        : null;

    private static async Task<(ClientPublicKeys Keys, bool Created)> GetOrCreateKeysAsync(ServiceConnections connections, string clientId, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                return (await connections.KeyStore.GetPublicKeysAsync(new ClientRef { ClientId = clientId },
                    deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline), cancellationToken: cancellationToken).ConfigureAwait(false), false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return (await connections.KeyStore.CreateClientAsync(new CreateClientRequest { ClientId = clientId },
                    deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline), cancellationToken: cancellationToken).ConfigureAwait(false), true);
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new ClientSetupException($"'{clientId}' cannot be a client id: {e.Status.Detail}");
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
        {
            throw new ClientSetupException(connections.Describe(e, crypto: false));
        }
    }

    /// <summary>The registration handshake (§5.2, D1) on a new websocket; returns the 32 shared-key bytes.</summary>
    private static async Task<byte[]> RegisterAsync(ServiceConnections connections, string clientId, byte[] identity, GatewayNode gateway,
        CancellationToken cancellationToken)
    {
        var listener = new Uri(gateway.ClientsUrl);
        var handshake = new ClientHandshake(identity, gateway.IdentityKey.AsReadOnlySpan());
        HandshakeSigner signer = async (message, token) =>
        {
            try
            {
                var response = await connections.KeyStore.SignAsync(new SignRequest { ClientId = clientId, Message = ByteString.CopyFrom(message.Span) },
                    deadline: ServiceConnections.Deadline(ServiceConnections.ShortDeadline), cancellationToken: token).ConfigureAwait(false);
                return response.Signature.ToByteArray();
            }
            catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
            {
                throw new ClientSetupException(connections.Describe(e, crypto: false));
            }
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        ClientWebSocket socket;
        try
        {
            socket = await GatewaySocket.ConnectAsync(listener, GatewaySocket.DefaultKeepAlive, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new ClientSetupException($"Cannot reach the gateway at {listener} ({e.Message}): is it running? Another can be chosen with --gateway.");
        }

        try
        {
            await GatewaySocket.SendTextAsync(socket, new HandshakePayloadMessage(handshake.CreateInitMessage()), timeout.Token).ConfigureAwait(false);
            var response = await ExpectAsync<HandshakePayloadMessage>(socket, listener, timeout.Token).ConfigureAwait(false);
            if (!handshake.TryProcessResponse(response.Data, out var failure))
            {
                await GatewaySocket.SendTextAsync(socket, new HandshakeErrorMessage(failure.Display()), timeout.Token).ConfigureAwait(false);
                throw new ClientSetupException(
                    $"The gateway at {listener} failed the handshake ({failure.Display()}): it is not the gateway the topology lists. Choose another with --gateway.");
            }

            var final = await handshake.CreateFinalMessageAsync(signer, timeout.Token).ConfigureAwait(false);
            await GatewaySocket.SendTextAsync(socket, new HandshakePayloadMessage(final), timeout.Token).ConfigureAwait(false);
            var accepted = await ExpectAsync<HandshakePayloadMessage>(socket, listener, timeout.Token).ConfigureAwait(false);
            if (!ClientHandshake.IsAccepted(accepted.Data))
            {
                throw new ClientSetupException($"The gateway at {listener} refused the registration. Choose another with --gateway.");
            }

            var keys = new byte[GatewaySharedKeys.Length];
            handshake.SharedKeys.CopyTo(keys);
            return keys;
        }
        catch (Exception e) when (e is WebSocketException or InvalidDataException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new ClientSetupException($"The registration with the gateway at {listener} failed ({e.Message}). Try again, or choose another with --gateway.");
        }
        finally
        {
            await GatewaySocket.CloseQuietlyAsync(socket).ConfigureAwait(false);
        }
    }

    /// <summary>How long the gateway may take over the whole registration (its own limit is 15 s).</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The next text message as <typeparamref name="T"/>; a handshakeError or anything else is a refusal.</summary>
    private static async Task<T> ExpectAsync<T>(WebSocket socket, Uri listener, CancellationToken cancellationToken) where T : GatewayTextMessage
    {
        while (await GatewaySocket.ReceiveAsync(socket, cancellationToken).ConfigureAwait(false) is { } message)
        {
            if (message.Type != WebSocketMessageType.Text)
            {
                continue;
            }

            var parsed = GatewayText.TryParseFromGateway(message.Text, out var m, out _) ? m : null;
            switch (parsed)
            {
                case T expected:
                    return expected;
                case HandshakeErrorMessage error:
                    throw new ClientSetupException($"The gateway at {listener} refused the handshake: {error.Message}. Choose another with --gateway.");
                case ErrorResponse error:
                    throw new ClientSetupException($"The gateway at {listener} refused the registration: {error.Message}. Choose another with --gateway.");
                default:
                    continue;
            }
        }

        throw new ClientSetupException($"The gateway at {listener} closed the connection during the registration. Try again, or choose another with --gateway.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the gateway this client registered with before.")]
    private static partial void LogGatewayKept(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered with a gateway.")]
    private static partial void LogRegistered(ILogger logger);
}
