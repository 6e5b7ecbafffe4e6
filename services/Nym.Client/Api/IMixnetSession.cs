using Nym.Protocol.Addressing;

namespace Nym.Client.Api;

/// <summary>
/// What the websocket API needs of a running client: its address, sending, replying and what arrives. The exe
/// adapts the client core's MixnetClient to it; the API's own tests use an in-memory stand-in.
/// </summary>
internal interface IMixnetSession
{
    Recipient Address { get; }

    /// <summary>Queues a message; returns null, or the reason it cannot be sent (for the app's error response).</summary>
    ValueTask<string?> SendAsync(Recipient recipient, ReadOnlyMemory<byte> message, bool withReplySurb, CancellationToken cancellationToken);

    /// <summary>Queues a reply through a reply SURB (its bytes as the app gave them, nym-client-api.md §4).</summary>
    ValueTask<string?> SendReplyAsync(byte[] replySurb, ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>Every whole message received, once each, until the session ends or <paramref name="cancellationToken"/> fires.</summary>
    IAsyncEnumerable<InboundMessage> ReceiveAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops taking messages from the gateway; <see cref="ReceiveAllAsync"/> then yields what was already received and
    /// ends. Called on a graceful stop, before the websocket API stops, so that nothing taken is lost (D4).
    /// </summary>
    ValueTask StopReceivingAsync();
}

/// <summary>A message from the mixnet with the reply SURB its sender attached (its bytes), if any.</summary>
internal sealed record InboundMessage(ReadOnlyMemory<byte> Message, byte[]? ReplySurb);
