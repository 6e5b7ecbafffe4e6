using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Nym.Client.Api;
using Nym.Protocol.Addressing;
using Nym.Protocol.Packets;

namespace Nym.Client.Tests;

/// <summary>
/// An in-memory stand-in for the running client core behind <see cref="IMixnetSession"/>, for the websocket API's own
/// tests: what apps send to the stand-in's own address comes straight back (with a random reply SURB when asked).
/// The end-to-end tests use the real core over the real mixnet instead.
/// </summary>
internal sealed class StandInSession : IMixnetSession
{
    /// <summary>The recipient of Nym's websocket-requests tests (nym-client-api.md §3).</summary>
    public const string AddressText =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    private volatile Channel<InboundMessage> _received = Channel.CreateUnbounded<InboundMessage>();

    public StandInSession()
    {
        if (!Recipient.TryParse(AddressText, out var address, out _))
        {
            throw new InvalidOperationException("the test address does not parse");
        }

        Address = address;
    }

    public Recipient Address { get; }

    public ConcurrentQueue<(Recipient Recipient, byte[] Message, bool WithReplySurb)> Sent { get; } = new();

    public ConcurrentQueue<(byte[] ReplySurb, byte[] Message)> Replies { get; } = new();

    public static byte[] RandomReplySurb() => RandomNumberGenerator.GetBytes(ReplySurb.Length);

    /// <summary>Called when the client stops receiving, before the stream ends: as if messages were still arriving then.</summary>
    public Action? WhileStopping { get; set; }

    /// <summary>As if a message arrived from the mixnet.</summary>
    public void Arrive(byte[] message, byte[]? replySurb = null) => _received.Writer.TryWrite(new InboundMessage(message, replySurb));

    public ValueTask<string?> SendAsync(Recipient recipient, ReadOnlyMemory<byte> message, bool withReplySurb, CancellationToken cancellationToken)
    {
        Sent.Enqueue((recipient, message.ToArray(), withReplySurb));
        if (recipient == Address)
        {
            Arrive(message.ToArray(), withReplySurb ? RandomReplySurb() : null);
        }

        return ValueTask.FromResult<string?>(null);
    }

    public ValueTask<string?> SendReplyAsync(byte[] replySurb, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        Replies.Enqueue((replySurb, message.ToArray()));
        return ValueTask.FromResult<string?>(null);
    }

    /// <summary>Ends this run's stream; what arrives afterwards waits for the next run, as in a gateway's inbox.</summary>
    public ValueTask StopReceivingAsync()
    {
        WhileStopping?.Invoke();
        var ended = _received;
        _received = Channel.CreateUnbounded<InboundMessage>();
        ended.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<InboundMessage> ReceiveAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var received = _received;
        await foreach (var message in received.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return message;
        }
    }
}
