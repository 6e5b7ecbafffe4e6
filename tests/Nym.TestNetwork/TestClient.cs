using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Nym.Protocol.Addressing;
using Nym.Protocol.Fragments;
using Nym.Protocol.Framing;
using Nym.Protocol.Gateway;
using Nym.Protocol.Keys;
using Nym.Protocol.Packets;
using Nym.Protocol.Topology;
using Nym.Sphinx;
using Xunit;

namespace Nym.TestNetwork;

/// <summary>What a test connection saw, in order.</summary>
internal abstract record Incoming;

/// <summary>A text frame, with its parse as a gateway message when it parses.</summary>
internal sealed record TextFrame(string Text, GatewayTextMessage? Message) : Incoming;

/// <summary>A binary frame: the raw D1 frame as it arrived.</summary>
internal sealed record BinaryFrame(byte[] Data) : Incoming;

/// <summary>The connection ended: with the gateway's close frame (status set) or without one (status null).</summary>
internal sealed record Closed(WebSocketCloseStatus? Status, string? Description) : Incoming;

/// <summary>
/// One websocket to the gateway's clients port, as a client opens it: a read loop puts every frame it receives into
/// a channel, in order, and ends with <see cref="Closed"/>.
/// </summary>
internal sealed class GatewayConnection : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly ClientWebSocket _socket = new();
    private readonly Channel<Incoming> _incoming = Channel.CreateUnbounded<Incoming>();
    private Task _reader = Task.CompletedTask;

    private GatewayConnection()
    {
    }

    public WebSocketState State => _socket.State;

    public static async Task<GatewayConnection> OpenAsync(Uri uri)
    {
        var connection = new GatewayConnection();
        await connection._socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        connection._reader = connection.ReadAsync();
        return connection;
    }

    /// <summary>
    /// A connection that does not read until <see cref="StartReading"/>, over a socket with a small fixed receive
    /// buffer (set before connecting, so the kernel does not grow it): what the gateway writes soon waits on us.
    /// </summary>
    public static async Task<GatewayConnection> OpenStalledAsync(Uri uri)
    {
        var connection = new GatewayConnection();
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        await connection._socket.ConnectAsync(uri, invoker, TestContext.Current.CancellationToken);
        return connection;
    }

    public void StartReading() => _reader = ReadAsync();

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);

    public Task SendBinaryAsync(byte[] data) =>
        _socket.SendAsync(data, WebSocketMessageType.Binary, true, TestContext.Current.CancellationToken);

    /// <summary>The next thing that arrived; fails the test when nothing arrives in time.</summary>
    public async Task<Incoming> NextAsync(TimeSpan? patience = null)
    {
        var next = await TryNextAsync(patience ?? Patience);
        Assert.True(next is not null, $"nothing arrived on the connection within {(patience ?? Patience).TotalSeconds} s");
        return next;
    }

    /// <summary>The next thing that arrived, or null when nothing did within <paramref name="patience"/>.</summary>
    public async Task<Incoming?> TryNextAsync(TimeSpan patience)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(patience);
        try
        {
            return await _incoming.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail("the connection had already ended");
            throw;
        }
    }

    /// <summary>The next text frame, parsed as a gateway message of type <typeparamref name="T"/>; binary frames before it are returned too.</summary>
    public async Task<(T Message, List<byte[]> BinaryBefore)> NextTextAsync<T>() where T : GatewayTextMessage
    {
        var binary = new List<byte[]>();
        while (true)
        {
            switch (await NextAsync())
            {
                case BinaryFrame frame:
                    binary.Add(frame.Data);
                    break;
                case TextFrame { Message: T message }:
                    return (message, binary);
                case var other:
                    Assert.Fail($"expected a {typeof(T).Name}, got {other}");
                    break;
            }
        }
    }

    /// <summary>Reads until the connection ends (frames before the end are skipped) and returns how it ended.</summary>
    public async Task<Closed> ClosedAsync()
    {
        while (true)
        {
            if (await NextAsync() is Closed closed)
            {
                return closed;
            }
        }
    }

    /// <summary>Closes this side with a close handshake, as a well-behaved client leaving.</summary>
    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(Patience);
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The gateway went first.
            }
        }

        await _reader;
    }

    /// <summary>Drops the connection without a close handshake, as a client that crashes or loses its network.</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _socket.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        _incoming.Writer.TryWrite(new Closed(result.CloseStatus, result.CloseStatusDescription));
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    var text = Encoding.UTF8.GetString(message.ToArray());
                    _incoming.Writer.TryWrite(new TextFrame(text, GatewayText.TryParseFromGateway(text, out var parsed, out _) ? parsed : null));
                }
                else
                {
                    _incoming.Writer.TryWrite(new BinaryFrame(message.ToArray()));
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _incoming.Writer.TryWrite(new Closed(null, e.Message));
        }
        finally
        {
            _incoming.Writer.TryComplete();
        }
    }
}

/// <summary>
/// A Nym client as far as the gateway is concerned: its identity (its address), encryption and ack keys, and once
/// registered the keys it shares with the gateway. It registers with <see cref="ClientHandshake"/> (its identity signs
/// through the delegate), authenticates with <see cref="AuthenticateRequest"/>, sends messages as D1 binary frames
/// of ForwardSphinx packets, and opens what the gateway pushes with <see cref="ClientPayload.Open"/>.
/// </summary>
internal sealed class TestClient
{
    private readonly Uri _clientsUri;
    private readonly Bytes32 _gateway;
    private readonly NymTopology? _topology;
    private readonly PacketPreparer _preparer;

    /// <summary>A client of the test network's gateway.</summary>
    public TestClient(Network network)
        : this(network.ClientsUri, network.GatewayKeys.Identity.PublicKey, network.NymTopology)
    {
    }

    /// <summary>A client of the gateway at <paramref name="clientsUri"/>; it can send only with a <paramref name="topology"/>.</summary>
    public TestClient(Uri clientsUri, Bytes32 gateway, NymTopology? topology)
    {
        _clientsUri = clientsUri;
        _gateway = gateway;
        _topology = topology;
        _preparer = new PacketPreparer(
            Identity.PublicKey, Encryption.PublicKey, gateway, AckKey, new PacketDelays(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)));
    }

    public IdentityKeyPair Identity { get; } = IdentityKeyPair.Generate();

    public EncryptionKeyPair Encryption { get; } = EncryptionKeyPair.Generate();

    public AckKey AckKey { get; } = AckKey.Generate();

    public Recipient Address => new(Identity.PublicKey, Encryption.PublicKey, _gateway);

    /// <summary>Known once registered.</summary>
    public GatewaySharedKeys? SharedKeys { get; private set; }

    /// <summary>Reassembles what this client receives, over all its connections.</summary>
    public MessageReassembler Reassembler { get; } = new();

    public Task<GatewayConnection> ConnectAsync() => GatewayConnection.OpenAsync(_clientsUri);

    /// <summary>Registers on a new connection (§5.2 with D1) and returns it, with the frames pushed before <c>register</c>.</summary>
    public async Task<(GatewayConnection Connection, List<byte[]> Pushed)> RegisterAsync()
    {
        var connection = await ConnectAsync();
        var handshake = new ClientHandshake(Identity.PublicKey.AsReadOnlySpan(), _gateway.AsReadOnlySpan());
        await connection.SendTextAsync(new HandshakePayloadMessage(handshake.CreateInitMessage()).ToJson());

        var (response, _) = await connection.NextTextAsync<HandshakePayloadMessage>();
        Assert.True(handshake.TryProcessResponse(response.Data, out var failure), $"the gateway's handshake response: {failure}");
        HandshakeSigner signer = (message, _) => ValueTask.FromResult(Identity.Sign(message.Span));
        await connection.SendTextAsync(new HandshakePayloadMessage(await handshake.CreateFinalMessageAsync(signer, TestContext.Current.CancellationToken)).ToJson());

        var (accepted, _) = await connection.NextTextAsync<HandshakePayloadMessage>();
        Assert.True(ClientHandshake.IsAccepted(accepted.Data));
        SharedKeys = handshake.SharedKeys;
        var (registered, pushed) = await connection.NextTextAsync<RegisterResponse>();
        Assert.True(registered.Status);
        return (connection, pushed);
    }

    /// <summary>Sends <paramref name="request"/> (default: a fresh authenticate) on a new connection; returns the answer and what came before it.</summary>
    public async Task<(GatewayConnection Connection, AuthenticateResponse Response, List<byte[]> Pushed)> AuthenticateAsync(AuthenticateRequest? request = null)
    {
        var connection = await ConnectAsync();
        request ??= NewAuthenticateRequest();
        await connection.SendTextAsync(request.ToJson());
        var (response, pushed) = await connection.NextTextAsync<AuthenticateResponse>();
        return (connection, response, pushed);
    }

    public AuthenticateRequest NewAuthenticateRequest() =>
        AuthenticateRequest.Create(SharedKeys ?? throw new InvalidOperationException("register first"), Identity.PublicKey.AsReadOnlySpan());

    /// <summary>Splits <paramref name="message"/> into fragments, sends each as a ForwardSphinx D1 frame, and returns their ids.</summary>
    public async Task<IReadOnlyList<FragmentIdentifier>> SendAsync(GatewayConnection connection, Recipient recipient, byte[] message)
    {
        var ids = new List<FragmentIdentifier>();
        foreach (var fragment in MessageSplitter.Split(message).Fragments)
        {
            Assert.True(_preparer.TryPrepareFragment(_topology ?? throw new InvalidOperationException("no topology to send with"), fragment, recipient, PacketSize.Regular, out var packet));
            await connection.SendBinaryAsync(Frame(packet!.ToMixPacket().ToBytes()));
            ids.Add(fragment.Identifier);
        }

        return ids;
    }

    /// <summary>A D1 binary frame under this client's shared keys.</summary>
    public byte[] Frame(byte[] plaintext)
    {
        var keys = SharedKeys ?? throw new InvalidOperationException("register first");
        var frame = new byte[GatewayFrame.GetEncryptedLength(plaintext.Length)];
        GatewayFrame.Encrypt(keys, plaintext, frame);
        return frame;
    }

    /// <summary>Checks the frame's MAC under this client's keys and returns the payload the gateway pushed.</summary>
    public byte[] Decrypt(byte[] frame)
    {
        var plaintext = new byte[GatewayFrame.GetPlaintextLength(frame.Length)];
        Assert.True(GatewayFrame.TryDecrypt(SharedKeys!, frame, plaintext, out int written, out var error), $"a pushed frame did not decrypt: {error}");
        return plaintext[..written];
    }

    public ClientPayload Open(byte[] pushed) => ClientPayload.Open(pushed, AckKey.Bytes, Encryption.PrivateKey, _ => null);

    /// <summary>
    /// Reads pushed frames (those in <paramref name="already"/> first) until <paramref name="messages"/> messages are
    /// reassembled and the acks of <paramref name="acks"/> have come back. Returns the messages in completion order.
    /// </summary>
    public async Task<List<byte[]>> ReceiveAsync(GatewayConnection connection, int messages, IEnumerable<FragmentIdentifier>? acks = null,
        IEnumerable<byte[]>? already = null)
    {
        var received = new List<byte[]>();
        var waitingAcks = new HashSet<FragmentIdentifier>(acks ?? []);
        var pending = new Queue<byte[]>(already ?? []);
        while (received.Count < messages || waitingAcks.Count > 0)
        {
            byte[] frame;
            if (pending.Count > 0)
            {
                frame = pending.Dequeue();
            }
            else
            {
                var next = await connection.NextAsync();
                frame = Assert.IsType<BinaryFrame>(next).Data;
            }

            var payload = Open(Decrypt(frame));
            switch (payload.Kind)
            {
                case ClientPayloadKind.Ack:
                    waitingAcks.Remove(payload.AckedFragment);
                    break;
                case ClientPayloadKind.Fragment:
                    if (Reassembler.TryInsert(payload.Content, out var message) == ReassemblyStatus.Completed)
                    {
                        received.Add(message!.Message.ToArray());
                    }

                    break;
                default:
                    Assert.Fail($"unexpected payload: {payload.Kind}");
                    break;
            }
        }

        return received;
    }
}
