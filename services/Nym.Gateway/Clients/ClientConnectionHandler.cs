using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Nym.Gateway.Storage;
using Nym.Protocol.Framing;
using Nym.Protocol.Gateway;
using Nym.Sphinx;

namespace Nym.Gateway.Clients;

/// <summary>Sends a client's ForwardSphinx packet on to its first hop (the gateway's outgoing mix links).</summary>
public interface IMixForwarder
{
    /// <summary>Queues the packet; false when it cannot be queued (the link's queue is full).</summary>
    bool TryForward(in MixPacket packet);
}

/// <summary>
/// The gateway side of one client websocket (nym-mixnet.md §5, with D1 and D9): a text-frame registration handshake
/// or an <c>authenticate</c>, then binary ForwardSphinx frames from the client and pushed payloads to it. Anything the
/// client gets wrong (garbage, wrong sizes, bad MACs, unknown JSON, oversize frames, silence during the handshake)
/// closes this one connection with a log line; nothing a client sends can disturb another connection.
/// </summary>
public sealed partial class ClientConnectionHandler(
    GatewayStore store, ClientDelivery delivery, IMixForwarder forwarder, HandshakeSigner gatewaySigner, GatewayMetrics metrics,
    ILogger<ClientConnectionHandler> logger, TimeProvider time)
{
    /// <summary>The largest frame a client may send: a D1-encrypted ForwardSphinx of an extended packet.</summary>
    public static readonly int MaxClientFrame = GatewayFrame.GetEncryptedLength(1 + 19 + PacketSizes.MaxPacketLength);

    /// <summary>How long a connection may take to register or authenticate.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Bandwidth is not metered (D10); this is what clients are told they have, so they never claim more.</summary>
    private const long UnmeteredBandwidth = long.MaxValue / 2;

    public async Task RunAsync(WebSocket socket, CancellationToken stopping)
    {
        ClientSession? session = null;
        try
        {
            using (var deadline = new CancellationTokenSource(HandshakeTimeout, time))
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token))
            {
                session = await EstablishAsync(socket, handshake.Token);
            }

            if (session is null)
            {
                return;
            }

            await ServeAsync(socket, session, stopping);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            metrics.Connection("handshake_timeout");
            LogClosed("the client did not register or authenticate in time");
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away or the gateway is stopping.
        }
        finally
        {
            if (session is not null)
            {
                delivery.Detach(session);
                session.Dispose();
            }

            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "bye");
        }
    }

    /// <summary>Registers or authenticates the client, writes its inbox, and returns its live session (null: refused).</summary>
    private async Task<ClientSession?> EstablishAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var first = await ReceiveAsync(socket, cancellationToken);
        if (first is not { } frame)
        {
            return null;
        }

        if (frame.Type != WebSocketMessageType.Text)
        {
            await SendTextAsync(socket, ErrorResponse.BinaryBeforeAuthentication, cancellationToken);
            return Refuse("binary_before_auth", "a binary frame came before authentication");
        }

        if (!GatewayText.TryParseFromClient(Encoding.UTF8.GetString(frame.Data), out var request, out var error))
        {
            await SendTextAsync(socket, new ErrorResponse($"malformed request: {error}"), cancellationToken);
            return Refuse("malformed_request", "its first request was malformed");
        }

        switch (request)
        {
            case HandshakePayloadMessage init:
                return await RegisterAsync(socket, init, cancellationToken);
            case AuthenticateRequest authenticate:
                return await AuthenticateAsync(socket, authenticate, cancellationToken);
            default:
                await SendTextAsync(socket, new ErrorResponse("register or authenticate first"), cancellationToken);
                return Refuse("unexpected_request", "its first request was neither a registration nor an authentication");
        }
    }

    private async Task<ClientSession?> RegisterAsync(WebSocket socket, HandshakePayloadMessage init, CancellationToken cancellationToken)
    {
        var handshake = new GatewayHandshake();
        if (!handshake.TryProcessInit(init.Data, out var failure))
        {
            await SendTextAsync(socket, new HandshakeErrorMessage(failure.Display()), cancellationToken);
            return Refuse("handshake_failed", "its handshake was malformed");
        }

        await SendTextAsync(socket, new HandshakePayloadMessage(await handshake.CreateResponseAsync(gatewaySigner, cancellationToken)), cancellationToken);

        var final = await ReceiveAsync(socket, cancellationToken);
        if (final is not { Type: WebSocketMessageType.Text } finalFrame
            || !GatewayText.TryParseFromClient(Encoding.UTF8.GetString(finalFrame.Data), out var message, out _)
            || message is not HandshakePayloadMessage payload
            || !handshake.TryProcessFinal(payload.Data, out failure))
        {
            await SendTextAsync(socket, new HandshakeErrorMessage(failure == HandshakeFailure.None ? HandshakeFailure.MalformedMessage.Display() : failure.Display()), cancellationToken);
            return Refuse("handshake_failed", "its handshake failed");
        }

        var client = Bytes32.From(handshake.ClientIdentity);
        await store.SaveSharedKeysAsync(client, handshake.SharedKeys, cancellationToken);
        await SendTextAsync(socket, new HandshakePayloadMessage(RegistrationHandshake.AcceptedMessage.ToArray()), cancellationToken);

        var session = await OpenSessionAsync(socket, client, handshake.SharedKeys, cancellationToken);
        await SendTextAsync(socket, new RegisterResponse(true), cancellationToken);
        metrics.Connection("registered");
        return session;
    }

    private async Task<ClientSession?> AuthenticateAsync(WebSocket socket, AuthenticateRequest request, CancellationToken cancellationToken)
    {
        var client = Bytes32.From(request.Address);
        var keys = await store.FindSharedKeysAsync(client, cancellationToken);

        // Only the client that registered these keys can encrypt its address under them; an IV is accepted once (D9).
        if (keys is null || !request.IsValidFor(keys) || !await store.TryRecordAuthenticationIvAsync(client, request.Iv, cancellationToken))
        {
            await SendTextAsync(socket, new AuthenticateResponse(false, 0), cancellationToken);
            return Refuse("authentication_failed", "its authentication was refused");
        }

        var session = await OpenSessionAsync(socket, client, keys, cancellationToken);
        await SendTextAsync(socket, new AuthenticateResponse(true, UnmeteredBandwidth), cancellationToken);
        metrics.Connection("authenticated");
        return session;
    }

    /// <summary>Replaces any older connection of the client (D9) and writes its inbox, oldest first (§5.2 step 4).</summary>
    private async Task<ClientSession> OpenSessionAsync(WebSocket socket, Bytes32 client, GatewaySharedKeys keys, CancellationToken cancellationToken)
    {
        var session = new ClientSession(client, keys, socket);
        delivery.Attach(session);
        await delivery.FlushInboxAsync(session, cancellationToken);
        return session;
    }

    private async Task ServeAsync(WebSocket socket, ClientSession session, CancellationToken stopping)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping, session.ReplacedToken);
        var writer = session.RunWriterAsync(connection.Token);
        try
        {
            while (!connection.IsCancellationRequested)
            {
                if (await ReceiveAsync(socket, connection.Token) is not { } frame || !Handle(frame, session))
                {
                    break;
                }
            }
        }
        finally
        {
            session.Complete();
            await connection.CancelAsync();
            foreach (var unsent in await writer)
            {
                // Pushed but never written: back to the client's inbox or its newer connection.
                await delivery.DeliverAsync(session.Client, unsent, CancellationToken.None);
            }

            if (session.ReplacedToken.IsCancellationRequested)
            {
                metrics.Connection("replaced");
                await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, "replaced by a newer connection of this client");
            }
        }
    }

    /// <summary>Handles one frame of an authenticated client; false closes the connection.</summary>
    private bool Handle(Frame frame, ClientSession session)
    {
        if (frame.Type == WebSocketMessageType.Text)
        {
            if (GatewayText.TryParseFromClient(Encoding.UTF8.GetString(frame.Data), out var request, out _)
                && request is ClaimFreeTestnetBandwidthRequest or BandwidthCredentialRequest)
            {
                session.TryQueueText(new BandwidthResponse(UnmeteredBandwidth).ToJson());
                return true;
            }

            session.TryQueueText(new ErrorResponse("unexpected request after authentication").ToJson());
            return Close("unexpected_request", "it sent an unexpected text request");
        }

        var plaintext = new byte[GatewayFrame.GetPlaintextLength(frame.Data.Length)];
        if (!GatewayFrame.TryDecrypt(session.Keys, frame.Data, plaintext, out int written, out var frameError))
        {
            return Close(frameError == GatewayFrameError.InvalidMac ? "bad_mac" : "short_frame", "a binary frame did not decrypt");
        }

        if (!MixPacket.TryParse(plaintext.AsMemory(0, written), out var packet, out _) || packet.Mode != PacketMode.Mix)
        {
            return Close("malformed_packet", "a binary frame held no valid ForwardSphinx packet");
        }

        if (forwarder.TryForward(packet))
        {
            metrics.Forwarded();
        }
        else
        {
            metrics.Dropped("first_hop_queue_full");
        }

        return true;
    }

    private bool Close(string reason, string why)
    {
        metrics.Dropped(reason);
        LogClosed(why);
        return false;
    }

    private ClientSession? Refuse(string outcome, string why)
    {
        metrics.Connection(outcome);
        LogClosed(why);
        return null;
    }

    private readonly record struct Frame(WebSocketMessageType Type, byte[] Data);

    /// <summary>Reads one whole message of at most <see cref="MaxClientFrame"/> bytes; null when the client closed.</summary>
    private async Task<Frame?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxClientFrame + 1);
        try
        {
            int length = 0;
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(length, buffer.Length - length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                length += result.Count;
                if (length > MaxClientFrame)
                {
                    metrics.Dropped("oversize_frame");
                    LogClosed("a frame was larger than any valid request");
                    await CloseAsync(socket, WebSocketCloseStatus.MessageTooBig, "frame too large");
                    return null;
                }

                if (result.EndOfMessage)
                {
                    return new Frame(result.MessageType, buffer.AsSpan(0, length).ToArray());
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Task SendTextAsync(WebSocket socket, GatewayTextMessage message, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJson()), WebSocketMessageType.Text, true, cancellationToken);

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string description)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(status, description, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Already gone.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client connection closed: {Reason}")]
    private partial void LogClosed(string reason);
}
