using CsCheck;
using Nym.Protocol.Addressing;
using Nym.Protocol.WebSocketApi;
using Nym.Sphinx;

namespace Nym.Protocol.Tests.WebSocketApi;

/// <summary>Generators of random but valid API values.</summary>
internal static class WebSocketApiGen
{
    public static readonly Gen<Bytes32> Ed25519Key = Gen.Byte.Array[32].Where(k => Ed25519Point.CanDecompress(k)).Select(k => Bytes32.From(k));

    public static readonly Gen<Recipient> AnyRecipient =
        Gen.Select(Ed25519Key, Gen.Byte.Array[32], Ed25519Key, (i, e, g) => new Recipient(i, Bytes32.From(e), g));

    /// <summary>A reply SURB's bytes for a route of 1 to 5 hops (§4: key(16) ‖ SURB).</summary>
    public static readonly Gen<byte[]> ReplySurb = Gen.Int[1, SphinxConstants.MaxPathLength].SelectMany(hops => Gen.Byte.Array[16 + Surb.LengthFor(hops)]);

    public static readonly Gen<byte[]> Message = Gen.Byte.Array[0, 64 * 1024];

    /// <summary>Unicode text of any scalar values (no lone surrogates), as the text API can carry it.</summary>
    public static readonly Gen<string> Text = Gen.Int[0, 0x10FFFF].Where(c => c is < 0xD800 or > 0xDFFF).Array[0, 300]
        .Select(scalars => string.Concat(scalars.Select(char.ConvertFromUtf32)));

    public static readonly Gen<byte[]> TextMessage = Text.Select(t => System.Text.Encoding.UTF8.GetBytes(t));

    public static readonly Gen<WebSocketApiError> Error =
        Gen.Select(Gen.OneOf(Enum.GetValues<ErrorKind>()), Text, (kind, message) => new WebSocketApiError(kind, message));

    public static Gen<ClientRequest> Request(Gen<byte[]> message) => Gen.OneOf(
        Gen.Select(AnyRecipient, message, Gen.Bool, (r, m, surb) => (ClientRequest)new SendRequest(r, m, surb)),
        Gen.Select(ReplySurb, message, (surb, m) => (ClientRequest)new ReplyRequest(surb, m)),
        Gen.Const((ClientRequest)SelfAddressRequest.Instance));

    public static Gen<ServerResponse> Response(Gen<byte[]> message) => Gen.OneOf(
        Gen.Select(message, ReplySurb.Null(), (m, surb) => (ServerResponse)new ReceivedResponse(m, surb)),
        AnyRecipient.Select(r => (ServerResponse)new SelfAddressResponse(r)),
        Error.Select(e => (ServerResponse)new ErrorResponse(e)));
}
