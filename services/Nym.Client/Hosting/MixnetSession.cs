using System.Runtime.CompilerServices;
using Nym.Client.Api;
using Nym.Client.Core;
using Nym.Protocol.Addressing;
using Nym.Protocol.Packets;

namespace Nym.Client.Hosting;

/// <summary>The client core's <see cref="MixnetClient"/> as the websocket API sees it.</summary>
internal sealed class MixnetSession : IMixnetSession
{
    private readonly MixnetClient _client;

    public MixnetSession(MixnetClient client)
    {
        _client = client;
        Address = Recipient.TryParse(client.Address, out var address, out var error)
            ? address
            : throw new InvalidOperationException($"The client core gave an address that does not parse: {error.Display}");
    }

    public Recipient Address { get; }

    public async ValueTask<string?> SendAsync(Recipient recipient, ReadOnlyMemory<byte> message, bool withReplySurb, CancellationToken cancellationToken)
    {
        try
        {
            await _client.SendAsync(recipient, message, withReplySurb, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ClientRequestException e)
        {
            return e.Message;
        }
    }

    public async ValueTask<string?> SendReplyAsync(byte[] replySurb, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (!ReplySurb.TryParse(replySurb, out var surb, out var error))
        {
            return $"malformed reply surb: {error}";
        }

        try
        {
            await _client.SendReplyAsync(surb!, message, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ClientRequestException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Stopping the core closes the gateway link and completes <see cref="MixnetClient.Received"/>, whose buffered
    /// messages are still read out. Payloads the core holds but has not opened yet are lost with it (its own stop).
    /// </summary>
    public ValueTask StopReceivingAsync() => _client.DisposeAsync();

    public async IAsyncEnumerable<InboundMessage> ReceiveAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in _client.Received.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new InboundMessage(message.Message, message.ReplySurb?.ToBytes());
        }
    }
}
