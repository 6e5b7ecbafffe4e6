using System.Text;
using CsCheck;
using Nym.Protocol.Gateway;
using Xunit;

namespace Nym.Protocol.Tests.Gateway;

public sealed class GatewayPropertyTests
{
    private static readonly Gen<GatewaySharedKeys> Keys = Gen.Byte.Array[GatewaySharedKeys.Length].Select(b =>
        GatewaySharedKeys.TryFromBytes(b, out var keys) ? keys : throw new InvalidOperationException());

    private static readonly string[] ValidTexts =
    [
        new AuthenticateRequest(new byte[32], new byte[32], new byte[16]).ToJson(),
        new HandshakePayloadMessage([1, 2, 3, 250]).ToJson(),
        new HandshakeErrorMessage("received invalid signature").ToJson(),
        new BandwidthCredentialRequest([9, 8], new byte[16]).ToJson(),
        new ClaimFreeTestnetBandwidthRequest().ToJson(),
        new AuthenticateResponse(true, long.MaxValue).ToJson(),
        new RegisterResponse(true).ToJson(),
        new BandwidthResponse(-1).ToJson(),
        new SendResponse(42).ToJson(),
        new ErrorResponse("x").ToJson(),
    ];

    [Fact]
    public void Frames_decrypt_to_what_was_encrypted() => Gen.Select(Keys, Gen.Byte.Array[0, 3000]).Sample((keys, plaintext) =>
    {
        var d1 = new byte[GatewayFrame.GetEncryptedLength(plaintext.Length)];
        GatewayFrame.Encrypt(keys, plaintext, d1);
        var decrypted = new byte[plaintext.Length];
        Assert.True(GatewayFrame.TryDecrypt(keys, d1, decrypted, out int written, out _));
        Assert.Equal(plaintext, decrypted[..written]);

        var nym = new byte[NymGatewayFrame.GetEncryptedLength(plaintext.Length)];
        NymGatewayFrame.Encrypt(keys, plaintext, nym);
        Assert.True(NymGatewayFrame.TryDecrypt(keys, nym, decrypted, out written, out _));
        Assert.Equal(plaintext, decrypted[..written]);
    }, iter: 200);

    [Fact]
    public void Any_change_to_a_frame_fails_its_mac() =>
        Gen.Select(Keys, Gen.Byte.Array[0, 200], Gen.Int[0, 1000], Gen.Byte[1, 255]).Sample((keys, plaintext, position, flip) =>
        {
            var d1 = new byte[GatewayFrame.GetEncryptedLength(plaintext.Length)];
            GatewayFrame.Encrypt(keys, plaintext, d1);
            d1[position % d1.Length] ^= flip;
            Assert.False(GatewayFrame.TryDecrypt(keys, d1, new byte[d1.Length], out _, out var error));
            Assert.Equal(GatewayFrameError.InvalidMac, error);

            var nym = new byte[NymGatewayFrame.GetEncryptedLength(plaintext.Length)];
            NymGatewayFrame.Encrypt(keys, plaintext, nym);
            nym[position % nym.Length] ^= flip;
            Assert.False(NymGatewayFrame.TryDecrypt(keys, nym, new byte[nym.Length], out _, out error));
            Assert.Equal(GatewayFrameError.InvalidMac, error);
        }, iter: 300);

    [Fact]
    public void Random_bytes_are_refused_as_frames() => Gen.Select(Keys, Gen.Byte.Array[0, 300]).Sample((keys, bytes) =>
    {
        var output = new byte[bytes.Length];
        Assert.False(GatewayFrame.TryDecrypt(keys, bytes, output, out int written, out var error));
        Assert.Equal(bytes.Length < GatewayFrame.Overhead ? GatewayFrameError.TooShortRequest : GatewayFrameError.InvalidMac, error);
        Assert.False(NymGatewayFrame.TryDecrypt(keys, bytes, output, out written, out error));
        Assert.Equal(bytes.Length < NymGatewayFrame.MacLength ? GatewayFrameError.TooShortRequest : GatewayFrameError.InvalidMac, error);
        Assert.Equal(0, written);
    }, iter: 1000);

    [Fact]
    public void Text_messages_parse_back() => Gen.Select(Gen.Bool, Gen.Long, Gen.String, Gen.Byte.Array[0, 120]).Sample((status, number, text, data) =>
    {
        GatewayTextMessage[] fromClient = [new HandshakePayloadMessage(data), new HandshakeErrorMessage(text), new BandwidthCredentialRequest(data, data.Length >= 16 ? data[..16] : new byte[16])];
        GatewayTextMessage[] fromGateway = [new AuthenticateResponse(status, number), new RegisterResponse(status), new BandwidthResponse(number), new SendResponse(number), new ErrorResponse(text)];
        foreach (var message in fromClient)
        {
            Assert.True(GatewayText.TryParseFromClient(message.ToJson(), out var parsed, out _));
            Assert.Equal(message.ToJson(), parsed.ToJson());
        }

        foreach (var message in fromGateway)
        {
            Assert.True(GatewayText.TryParseFromGateway(message.ToJson(), out var parsed, out _));
            Assert.Equal(message.ToJson(), parsed.ToJson());
        }
    }, iter: 300);

    [Fact]
    public void Random_and_mutated_text_gives_a_message_or_an_error() =>
        Gen.Select(Gen.Int[0, ValidTexts.Length - 1], Gen.Int[0, 200].Array[0, 4], Gen.Char.Array[0, 4], Gen.String).Sample((which, positions, chars, random) =>
        {
            var mutated = new StringBuilder(ValidTexts[which]);
            for (int i = 0; i < Math.Min(positions.Length, chars.Length); i++)
            {
                mutated[positions[i] % mutated.Length] = chars[i];
            }

            foreach (var text in new[] { mutated.ToString(), random })
            {
                foreach (bool fromClient in new[] { true, false })
                {
                    bool ok = fromClient
                        ? GatewayText.TryParseFromClient(text, out var message, out var error)
                        : GatewayText.TryParseFromGateway(text, out message, out error);
                    Assert.Equal(ok, message is not null);
                    Assert.Equal(ok, error == GatewayTextError.None);
                }
            }
        }, iter: 1000);

    [Fact]
    public void Random_handshake_messages_are_refused() => Gen.Byte.Array[0, 200].Sample(bytes =>
    {
        var client = new ClientHandshake(new byte[32], new GatewayHandshake().EphemeralPublicKey);
        Assert.False(client.TryProcessResponse(bytes, out var failure));
        Assert.NotEqual(HandshakeFailure.None, failure);

        var gateway = new GatewayHandshake();
        if (gateway.TryProcessInit(bytes, out _))
        {
            Assert.False(gateway.TryProcessFinal(bytes.AsSpan(0, Math.Min(bytes.Length, 80)), out failure));
            Assert.NotEqual(HandshakeFailure.None, failure);
        }
    }, iter: 300);
}
