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

    /// <summary>How long a connection may take to register or authenticate (the inbox it is then sent is not timed).</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long a client has to answer our close frame before its connection is cut.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Bandwidth is not metered (D10); this is what clients are told they have, so they never claim more.</summary>
    private const long UnmeteredBandwidth = long.MaxValue / 2;

    /// <param name="stopping">the gateway is stopping: the client gets a close frame.</param>
    /// <param name="aborted">the connection is gone (the server's RequestAborted): nothing more is written to it.</param>
    public async Task RunAsync(WebSocket socket, CancellationToken stopping, CancellationToken aborted)
    {
        ClientSession? session = null;
        try
        {
            session = await EstablishAsync(socket, stopping, aborted);
            if (session is not null)
            {
                await ServeAsync(socket, session, stopping, aborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away, was cut off, or the gateway is stopping.
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

    /// <summary>
    /// Registers or authenticates the client within <see cref="HandshakeTimeout"/>, then writes its inbox and returns
    /// its live session; null when it was refused or too slow.
    /// </summary>
    private async Task<ClientSession?> EstablishAsync(WebSocket socket, CancellationToken stopping, CancellationToken aborted)
    {
        Accepted? accepted;
        using (var deadline = new CancellationTokenSource(HandshakeTimeout, time))
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborted, deadline.Token))
        {
            try
            {
                accepted = await AcceptAsync(socket, handshake.Token);
            }
            // Not "&& !aborted": cancelling the receive at the deadline aborts the socket, which can fire RequestAborted
            // before this filter runs.
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                accepted = Refused("handshake_timeout", "the client did not register or authenticate in time");
            }
        }

        return accepted is null ? null : await OpenSessionAsync(socket, accepted, stopping, aborted);
    }

    /// <summary>Reads the first request and registers or authenticates the client; null: refused (it has been told).</summary>
    private async Task<Accepted?> AcceptAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var first = await ReceiveAsync(socket, cancellationToken);
        if (first is null)
        {
            return null;
        }

        if (first.TooLarge)
        {
            await CloseAsync(socket, WebSocketCloseStatus.MessageTooBig, "frame too large");
            return Refused("oversize_frame", "a frame was larger than any valid request");
        }

        if (first.Type != WebSocketMessageType.Text)
        {
            await SendTextAsync(socket, ErrorResponse.BinaryBeforeAuthentication, cancellationToken);
            return Refused("binary_before_auth", "a binary frame came before authentication");
        }

        if (!GatewayText.TryParseFromClient(Encoding.UTF8.GetString(first.Data), out var request, out var error))
        {
            await SendTextAsync(socket, new ErrorResponse($"malformed request: {error}"), cancellationToken);
            return Refused("malformed_request", "its first request was malformed");
        }

        switch (request)
        {
            case HandshakePayloadMessage init:
                return await RegisterAsync(socket, init, cancellationToken);
            case AuthenticateRequest authenticate:
                return await AuthenticateAsync(socket, authenticate, cancellationToken);
            default:
                await SendTextAsync(socket, new ErrorResponse("register or authenticate first"), cancellationToken);
                return Refused("unexpected_request", "its first request was neither a registration nor an authentication");
        }
    }

    private async Task<Accepted?> RegisterAsync(WebSocket socket, HandshakePayloadMessage init, CancellationToken cancellationToken)
    {
        var handshake = new GatewayHandshake();
        if (!handshake.TryProcessInit(init.Data, out var failure))
        {
            await SendTextAsync(socket, new HandshakeErrorMessage(failure.Display()), cancellationToken);
            return Refused("handshake_failed", "its handshake was malformed");
        }

        await SendTextAsync(socket, new HandshakePayloadMessage(await handshake.CreateResponseAsync(gatewaySigner, cancellationToken)), cancellationToken);

        var final = await ReceiveAsync(socket, cancellationToken);
        if (final is not { Type: WebSocketMessageType.Text, TooLarge: false }
            || !GatewayText.TryParseFromClient(Encoding.UTF8.GetString(final.Data), out var message, out _)
            || message is not HandshakePayloadMessage payload
            || !handshake.TryProcessFinal(payload.Data, out failure))
        {
            await SendTextAsync(socket, new HandshakeErrorMessage(failure == HandshakeFailure.None ? HandshakeFailure.MalformedMessage.Display() : failure.Display()), cancellationToken);
            return Refused("handshake_failed", "its handshake failed");
        }

        var client = Bytes32.From(handshake.ClientIdentity);
        await store.SaveSharedKeysAsync(client, handshake.SharedKeys, cancellationToken);
        await SendTextAsync(socket, new HandshakePayloadMessage(RegistrationHandshake.AcceptedMessage.ToArray()), cancellationToken);
        metrics.Connection("registered");
        return new Accepted(client, handshake.SharedKeys, new RegisterResponse(true));
    }

    private async Task<Accepted?> AuthenticateAsync(WebSocket socket, AuthenticateRequest request, CancellationToken cancellationToken)
    {
        var client = Bytes32.From(request.Address);
        var keys = await store.FindSharedKeysAsync(client, cancellationToken);

        // Only the client that registered these keys can encrypt its address under them; an IV is accepted once (D9).
        if (keys is null || !request.IsValidFor(keys) || !await store.TryRecordAuthenticationIvAsync(client, request.Iv, cancellationToken))
        {
            await SendTextAsync(socket, new AuthenticateResponse(false, 0), cancellationToken);
            return Refused("authentication_failed", "its authentication was refused");
        }

        metrics.Connection("authenticated");
        return new Accepted(client, keys, new AuthenticateResponse(true, UnmeteredBandwidth));
    }

    /// <summary>
    /// Replaces any older connection of the client (D9), writes its inbox oldest first, then the reply to its
    /// registration or authentication (§5.2 steps 4–5, §5.3), and lets new payloads flow to it. Payloads stored
    /// meanwhile follow the reply. If anything fails on the way the session is taken back, so that nothing is
    /// queued for a connection that will not write it.
    /// </summary>
    private async Task<ClientSession> OpenSessionAsync(WebSocket socket, Accepted accepted, CancellationToken stopping, CancellationToken aborted)
    {
        var session = new ClientSession(accepted.Client, accepted.Keys, socket);
        delivery.Attach(session);
        try
        {
            // Not under the handshake deadline: a long inbox takes the time it takes. A newer connection of the
            // client ends this one's writing at once.
            using var writing = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborted, session.ReplacedToken);
            await delivery.WriteInboxAsync(session, writing.Token);
            await SendTextAsync(socket, accepted.Reply, writing.Token);
            await delivery.GoLiveAsync(session, writing.Token);
            return session;
        }
        catch
        {
            delivery.Detach(session);
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One read loop (this method) and one write loop (<see cref="ClientSession.RunWriterAsync"/>) until the client
    /// leaves, sends something invalid, is replaced by a newer connection (D9) or the gateway stops. In the last two
    /// cases the writer stops and the client gets a close frame, which it answers; a pending receive is never
    /// cancelled for that, because cancelling it aborts the socket without any close frame.
    /// </summary>
    private async Task ServeAsync(WebSocket socket, ClientSession session, CancellationToken stopping, CancellationToken aborted)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(stopping, session.ReplacedToken);
        using var cutOff = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var writer = session.RunWriterAsync(token => delivery.GoLiveAsync(session, token), ending.Token);
        var closer = CloseWhenEndingAsync(socket, session, writer, cutOff, stopping, ending.Token);
        Refusal? refusal = null;
        try
        {
            while (refusal is null && await ReceiveAsync(socket, cutOff.Token) is { } frame)
            {
                refusal = Handle(frame, session);
            }
        }
        finally
        {
            session.Complete();
            await ending.CancelAsync();
            foreach (var unsent in await writer)
            {
                // Pushed but never written: back to the client's inbox or its newer connection.
                await delivery.DeliverAsync(session.Client, unsent, CancellationToken.None);
            }

            await closer;
        }

        if (refusal is { } refused)
        {
            // The writer has stopped, so this is the only send.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            timeout.CancelAfter(CloseTimeout);
            if (refused.Reply is { } reply && socket.State == WebSocketState.Open)
            {
                await SendTextAsync(socket, new ErrorResponse(reply), timeout.Token);
            }

            await CloseAsync(socket, refused.Status, refused.Description);
        }
    }

    /// <summary>Once the connection is replaced or the gateway stops, and the writer has stopped: the close frame.</summary>
    private async Task CloseWhenEndingAsync(
        WebSocket socket, ClientSession session, Task writer, CancellationTokenSource cutOff, CancellationToken stopping, CancellationToken ending)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ending);
        }
        catch (OperationCanceledException)
        {
            // Ending (or the read loop ended first: then there is nothing to do here).
        }

        await writer;
        var (status, description) = session.ReplacedToken.IsCancellationRequested
            ? (WebSocketCloseStatus.PolicyViolation, "replaced by a newer connection of this client")
            : stopping.IsCancellationRequested
                ? (WebSocketCloseStatus.EndpointUnavailable, "the gateway is stopping")
                : default;
        if (description is null)
        {
            return;
        }

        metrics.Connection(session.ReplacedToken.IsCancellationRequested ? "replaced" : "gateway_stopping");
        cutOff.CancelAfter(CloseTimeout);
        await CloseAsync(socket, status, description);
    }

    /// <summary>Why an authenticated connection is closed: its close frame, and the error reply it gets first, if any.</summary>
    private readonly record struct Refusal(WebSocketCloseStatus Status, string Description, string? Reply);

    /// <summary>Handles one frame of an authenticated client; a refusal closes the connection.</summary>
    private Refusal? Handle(Frame frame, ClientSession session)
    {
        if (frame.TooLarge)
        {
            return Refused(new Refusal(WebSocketCloseStatus.MessageTooBig, "frame too large", null), "oversize_frame", "a frame was larger than any valid request");
        }

        if (frame.Type == WebSocketMessageType.Text)
        {
            if (GatewayText.TryParseFromClient(Encoding.UTF8.GetString(frame.Data), out var request, out _)
                && request is ClaimFreeTestnetBandwidthRequest or BandwidthCredentialRequest)
            {
                session.TryQueueText(new BandwidthResponse(UnmeteredBandwidth).ToJson());
                return null;
            }

            return Refused(new Refusal(WebSocketCloseStatus.PolicyViolation, "unexpected request", "unexpected request after authentication"),
                "unexpected_request", "it sent an unexpected text request");
        }

        var plaintext = new byte[GatewayFrame.GetPlaintextLength(frame.Data.Length)];
        if (!GatewayFrame.TryDecrypt(session.Keys, frame.Data, plaintext, out int written, out var frameError))
        {
            return Refused(new Refusal(WebSocketCloseStatus.PolicyViolation, "invalid frame", null),
                frameError == GatewayFrameError.InvalidMac ? "bad_mac" : "short_frame", "a binary frame did not decrypt");
        }

        if (!MixPacket.TryParse(plaintext.AsMemory(0, written), out var packet, out _) || packet.Mode != PacketMode.Mix)
        {
            return Refused(new Refusal(WebSocketCloseStatus.PolicyViolation, "invalid packet", null),
                "malformed_packet", "a binary frame held no valid ForwardSphinx packet");
        }

        if (forwarder.TryForward(packet))
        {
            metrics.Forwarded();
        }
        else
        {
            metrics.Dropped("first_hop_queue_full");
        }

        return null;
    }

    /// <summary>A registered or authenticated client, and the reply it gets once its inbox is written.</summary>
    private sealed record Accepted(Bytes32 Client, GatewaySharedKeys Keys, GatewayTextMessage Reply);

    /// <summary>Counts and logs a connection refused before it had a session.</summary>
    private Accepted? Refused(string outcome, string why)
    {
        metrics.Connection(outcome);
        LogClosed(why);
        return null;
    }

    /// <summary>Counts and logs why an authenticated connection is closed.</summary>
    private Refusal Refused(Refusal refusal, string reason, string why)
    {
        metrics.Dropped(reason);
        LogClosed(why);
        return refusal;
    }

    /// <summary>One whole message, or as much of it as shows it is over <see cref="MaxClientFrame"/> bytes (then <see cref="Frame.TooLarge"/>).</summary>
    private sealed record Frame(WebSocketMessageType Type, byte[] Data, bool TooLarge = false);

    /// <summary>
    /// Reads one message; null when the client closed. An oversize message is not read to its end. The buffer starts
    /// small and grows only for a large message, so an idle connection holds little memory while it waits.
    /// </summary>
    private static async Task<Frame?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(2 * buffer.Length, MaxClientFrame + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length, buffer.Length - length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                length += result.Count;
                if (length > MaxClientFrame)
                {
                    return new Frame(result.MessageType, [], TooLarge: true);
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

    private const int InitialReceiveBuffer = 4096;

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
