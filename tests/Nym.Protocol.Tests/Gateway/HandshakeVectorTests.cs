using NSec.Cryptography;
using Nym.Protocol.Gateway;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Gateway;

/// <summary>
/// The handshake (Nym's IV 0), d1_handshake (ours) and handshake_error_text cases of nym-framing.json: a client and
/// a gateway run the whole registration against each other with the case's keys and IVs, and every message,
/// text frame, signature and key must be the vector's.
/// </summary>
public sealed class HandshakeVectorTests
{
    private const string File = "nym-framing.json";

    public static TheoryData<string> NymCases => VectorFile.CaseNames(File, "handshake");

    public static TheoryData<string> D1Cases => VectorFile.CaseNames(File, "d1_handshake");

    public static TheoryData<string> ErrorCases => VectorFile.CaseNames(File, "handshake_error_text");

    [Theory]
    [MemberData(nameof(NymCases))]
    public Task Reproduces_nym_handshake(string name) => Run(VectorFile.Open(File).Case(name), HandshakeFormat.Nym);

    [Theory]
    [MemberData(nameof(D1Cases))]
    public Task Reproduces_d1_handshake(string name) => Run(VectorFile.Open(File).Case(name), HandshakeFormat.D1);

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Writes_the_handshake_error(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        Assert.Equal(c.Expected["text"].Str(), new HandshakeErrorMessage(c.Inputs["message"].Str()).ToJson());
        Assert.Contains(c.Inputs["message"].Str(), Enum.GetValues<HandshakeFailure>().Select(f => f.Display()));
        Assert.True(GatewayText.TryParseFromGateway(c.Expected["text"].Str(), out var parsed, out _));
        Assert.Equal(c.Inputs["message"].Str(), Assert.IsType<HandshakeErrorMessage>(parsed).Message);
    }

    [Fact]
    public async Task The_default_d1_path_draws_fresh_ivs()
    {
        var c = VectorFile.Open(File).Case(D1Cases.First().Data);
        var (client, gateway, clientSigner, gatewaySigner) = Parties(c, HandshakeFormat.D1, random: null);
        var clientAgain = new ClientHandshake(client.Identity, gateway.Identity, c.Inputs["client_ephemeral_private_key"].Hex(), HandshakeFormat.D1, null);

        var init = client.Handshake.CreateInitMessage();
        Assert.True(gateway.Handshake.TryProcessInit(init, out _));
        var response = await gateway.Handshake.CreateResponseAsync(gatewaySigner, TestContext.Current.CancellationToken);
        var responseAgain = await gateway.Handshake.CreateResponseAsync(gatewaySigner, TestContext.Current.CancellationToken);
        Assert.NotEqual(response, responseAgain);
        Assert.True(client.Handshake.TryProcessResponse(response, out _));
        Assert.True(clientAgain.TryProcessResponse(responseAgain, out _));

        var final = await client.Handshake.CreateFinalMessageAsync(clientSigner, TestContext.Current.CancellationToken);
        var finalAgain = await clientAgain.CreateFinalMessageAsync(clientSigner, TestContext.Current.CancellationToken);
        Assert.NotEqual(final, finalAgain);
        Assert.True(gateway.Handshake.TryProcessFinal(final, out _));
        Assert.True(gateway.Handshake.TryProcessFinal(finalAgain, out _));
    }

    [Fact]
    public async Task Altered_or_misplaced_messages_are_refused()
    {
        var c = VectorFile.Open(File).Case(D1Cases.First().Data);
        var (client, gateway, clientSigner, gatewaySigner) = Parties(c, HandshakeFormat.D1, random: null);
        var ct = TestContext.Current.CancellationToken;

        var init = client.Handshake.CreateInitMessage();
        Assert.False(gateway.Handshake.TryProcessInit(init.AsSpan(0, 63), out var failure));
        Assert.Equal(HandshakeFailure.MalformedMessage, failure);
        Assert.True(gateway.Handshake.TryProcessInit(init, out _));

        var response = await gateway.Handshake.CreateResponseAsync(gatewaySigner, ct);
        var altered = (byte[])response.Clone();
        altered[^1] ^= 1;
        Assert.False(client.Handshake.TryProcessResponse(altered, out failure));
        Assert.Equal(HandshakeFailure.InvalidSignature, failure);
        Assert.False(client.Handshake.TryProcessResponse(response.AsSpan(0, response.Length - 1), out failure));
        Assert.Equal(HandshakeFailure.MalformedMessage, failure);

        // A gateway signing with another key is refused.
        using var impostor = Key.Create(SignatureAlgorithm.Ed25519);
        var forged = await gateway.Handshake.CreateResponseAsync(RegistrationHandshake.LocalSigner(impostor), ct);
        Assert.False(client.Handshake.TryProcessResponse(forged, out failure));
        Assert.Equal(HandshakeFailure.InvalidSignature, failure);

        Assert.True(client.Handshake.TryProcessResponse(response, out _));
        var final = await client.Handshake.CreateFinalMessageAsync(clientSigner, ct);
        final[20] ^= 0x80;
        Assert.False(gateway.Handshake.TryProcessFinal(final, out failure));
        Assert.Equal(HandshakeFailure.InvalidSignature, failure);
        Assert.False(gateway.Handshake.TryProcessFinal(final.AsSpan(0, 64), out failure));
        Assert.Equal(HandshakeFailure.MalformedMessage, failure);
    }

    private static async Task Run(VectorCase c, HandshakeFormat format)
    {
        var ct = TestContext.Current.CancellationToken;
        var ivs = new Queue<byte[]>(new[] { c.Inputs["gateway_iv"], c.Inputs["client_iv"] }.Where(n => n is not null).Select(n => n.Hex()));
        var (client, gateway, clientSigner, gatewaySigner) = Parties(c, format, destination => ivs.Dequeue().CopyTo(destination));
        var signed = new List<(byte[] Message, byte[] Signature)>();
        HandshakeSigner Recording(HandshakeSigner signer) => async (message, token) =>
        {
            var signature = await signer(message, token);
            signed.Add((message.ToArray(), signature));
            return signature;
        };

        var messages = c.Expected["messages"].Items().ToList();
        if (c.Expected["client_identity_public_key"] is { } clientIdentity)
        {
            Assert.Equal(clientIdentity.Str(), client.Identity.ToHex());
            Assert.Equal(c.Expected["gateway_identity_public_key"].Str(), gateway.Identity.ToHex());
            Assert.Equal(c.Expected["client_ephemeral_public_key"].Str(), client.Handshake.EphemeralPublicKey.ToHex());
            Assert.Equal(c.Expected["gateway_ephemeral_public_key"].Str(), gateway.Handshake.EphemeralPublicKey.ToHex());
        }

        // 1 C→G
        var init = client.Handshake.CreateInitMessage();
        AssertMessage(messages[0], init, fromClient: true);
        Assert.True(gateway.Handshake.TryProcessInit(init, out var failure), failure.ToString());
        Assert.Equal(client.Identity, gateway.Handshake.ClientIdentity);

        // 2 G→C
        var response = await gateway.Handshake.CreateResponseAsync(Recording(gatewaySigner), ct);
        AssertMessage(messages[1], response, fromClient: false);
        Assert.True(client.Handshake.TryProcessResponse(response, out failure), failure.ToString());

        // 3 C→G
        var final = await client.Handshake.CreateFinalMessageAsync(Recording(clientSigner), ct);
        AssertMessage(messages[2], final, fromClient: true);
        Assert.True(gateway.Handshake.TryProcessFinal(final, out failure), failure.ToString());

        // 4 G→C
        var accepted = RegistrationHandshake.AcceptedMessage.ToArray();
        AssertMessage(messages[3], accepted, fromClient: false);
        Assert.True(ClientHandshake.IsAccepted(accepted));
        Assert.False(ClientHandshake.IsAccepted([0]));

        Assert.Equal(c.Expected["gateway_signature"].Str(), signed[0].Signature.ToHex());
        Assert.Equal(c.Expected["client_signature"].Str(), signed[1].Signature.ToHex());
        if (c.Expected["gateway_signed_message"] is { } gatewaySigned)
        {
            Assert.Equal(gatewaySigned.Str(), signed[0].Message.ToHex());
            Assert.Equal(c.Expected["client_signed_message"].Str(), signed[1].Message.ToHex());
        }

        var keys = c.Expected["shared_keys"]!;
        foreach (var side in new RegistrationHandshake[] { client.Handshake, gateway.Handshake })
        {
            Assert.Equal(keys["enc_key"].Str(), side.SharedKeys.EncryptionKey.ToHex());
            Assert.Equal(keys["mac_key"].Str(), side.SharedKeys.MacKey.ToHex());
            if (keys["b58"] is { } b58)
            {
                Assert.Equal(b58.Str(), side.SharedKeys.ToBase58());
            }
        }

        if (c.Expected["after_handshake_text"] is { } after)
        {
            Assert.Equal(after.Str(), new RegisterResponse(true).ToJson());
        }

        Assert.Empty(ivs);
    }

    private static void AssertMessage(System.Text.Json.Nodes.JsonNode expected, byte[] data, bool fromClient)
    {
        Assert.Equal(expected["direction"].Str(), fromClient ? "client->gateway" : "gateway->client");
        Assert.Equal(expected["data"].Str(), data.ToHex());
        var text = new HandshakePayloadMessage(data).ToJson();
        Assert.Equal(expected["text"].Str(), text);
        bool parsed = fromClient
            ? GatewayText.TryParseFromClient(text, out var message, out _)
            : GatewayText.TryParseFromGateway(text, out message, out _);
        Assert.True(parsed);
        Assert.Equal(data, Assert.IsType<HandshakePayloadMessage>(message).Data);
    }

    private sealed record Party<T>(byte[] Identity, T Handshake);

    private static (Party<ClientHandshake> Client, Party<GatewayHandshake> Gateway, HandshakeSigner ClientSigner, HandshakeSigner GatewaySigner) Parties(
        VectorCase c, HandshakeFormat format, RandomFill? random)
    {
        var clientKey = Key.Import(SignatureAlgorithm.Ed25519, c.Inputs["client_identity_private_key"].Hex(), KeyBlobFormat.RawPrivateKey);
        var gatewayKey = Key.Import(SignatureAlgorithm.Ed25519, c.Inputs["gateway_identity_private_key"].Hex(), KeyBlobFormat.RawPrivateKey);
        var clientIdentity = clientKey.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var gatewayIdentity = gatewayKey.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var client = new ClientHandshake(clientIdentity, gatewayIdentity, c.Inputs["client_ephemeral_private_key"].Hex(), format, random);
        var gateway = new GatewayHandshake(c.Inputs["gateway_ephemeral_private_key"].Hex(), format, random);
        return (new(clientIdentity, client), new(gatewayIdentity, gateway), RegistrationHandshake.LocalSigner(clientKey), RegistrationHandshake.LocalSigner(gatewayKey));
    }
}
