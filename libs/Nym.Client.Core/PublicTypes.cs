using Nym.Protocol.Packets;

namespace Nym.Client.Core;

/// <summary>Where the client's KeyStore and crypto service are (gRPC over HTTP/2 without TLS) and the token they want.</summary>
public sealed record ClientServices(Uri KeyStore, Uri Crypto, string ServiceToken)
{
    /// <summary>A deliberately uninformative text: the token is a secret.</summary>
    public override string ToString() => $"ClientServices {{ KeyStore = {KeyStore}, Crypto = {Crypto} }}";
}

/// <summary>The client's gateway as config.toml's <c>[client.gateway_endpoint]</c> records it (nym-client-api.md §7).</summary>
/// <param name="GatewayId">The gateway's Ed25519 identity key in base58.</param>
/// <param name="GatewayListener">Its clients' websocket, <c>ws://host:port</c>.</param>
public sealed record GatewayEndpoint(string GatewayId, string GatewayListener);

/// <summary>What <see cref="ClientInitialisation.InitAsync"/> did.</summary>
/// <param name="Address">The client's Nym address, "&lt;identity&gt;.&lt;encryption&gt;@&lt;gateway&gt;".</param>
/// <param name="KeysCreated">False when the client's keys already existed and were kept.</param>
/// <param name="GatewayReused">True when the client kept the gateway it had registered with before (no new handshake).</param>
public sealed record InitResult(GatewayEndpoint Gateway, string Address, bool KeysCreated, bool GatewayReused);

/// <summary>A problem a person must act on to set up or start the client; the message says what to do.</summary>
public sealed class ClientSetupException(string message) : Exception(message);

/// <summary>A message the client cannot send; the message is fit for the websocket API's error response.</summary>
public sealed class ClientRequestException(string message) : Exception(message);

/// <summary>A whole message received: reassembled from its fragments (with the reply SURB its sender attached, if
/// any), or a reply that came through one of our reply SURBs (then <paramref name="ReplySurb"/> is null).</summary>
public sealed record ReceivedMessage(ReadOnlyMemory<byte> Message, ReplySurb? ReplySurb);
