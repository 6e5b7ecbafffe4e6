using Nym.Protocol.Gateway;
using Nym.Sphinx.Crypto;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Gateway;

/// <summary>The shared-key, authenticate and binary-frame cases of nym-framing.json, in Nym's form and in D1's.</summary>
public sealed class GatewayFrameVectorTests
{
    private const string File = "nym-framing.json";

    public static TheoryData<string> SharedKeyCases => VectorFile.CaseNames(File, "gateway_shared_keys");

    public static TheoryData<string> AuthenticateCases => VectorFile.CaseNames(File, "authenticate");

    public static TheoryData<string> NymFrameCases => VectorFile.CaseNames(File, "binary_frame");

    public static TheoryData<string> KeystreamCases => VectorFile.CaseNames(File, "binary_frame_keystream");

    public static TheoryData<string> NymDecryptCases => VectorFile.CaseNames(File, "binary_frame_decrypt");

    public static TheoryData<string> CredentialCases => VectorFile.CaseNames(File, "encrypt_and_tag_with_iv");

    public static TheoryData<string> D1FrameCases => VectorFile.CaseNames(File, "d1_binary_frame");

    public static TheoryData<string> D1DecryptCases => VectorFile.CaseNames(File, "d1_binary_frame_decrypt");

    internal static GatewaySharedKeys Keys(VectorCase c) => GatewaySharedKeys.FromKeys(c.Inputs["enc_key"].Hex(), c.Inputs["mac_key"].Hex());

    [Theory]
    [MemberData(nameof(SharedKeyCases))]
    public void Both_sides_derive_the_shared_keys(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var clientPublic = new byte[32];
        var gatewayPublic = new byte[32];
        X25519.DerivePublicKey(c.Inputs["client_ephemeral_private_key"].Hex(), clientPublic);
        X25519.DerivePublicKey(c.Inputs["gateway_ephemeral_private_key"].Hex(), gatewayPublic);

        var client = GatewaySharedKeys.Derive(c.Inputs["client_ephemeral_private_key"].Hex(), gatewayPublic);
        var gateway = GatewaySharedKeys.Derive(c.Inputs["gateway_ephemeral_private_key"].Hex(), clientPublic);
        foreach (var keys in new[] { client, gateway })
        {
            Assert.Equal(c.Expected["enc_key"].Str(), keys.EncryptionKey.ToHex());
            Assert.Equal(c.Expected["mac_key"].Str(), keys.MacKey.ToHex());
            Assert.Equal(c.Expected["shared_keys_b58"].Str(), keys.ToBase58());
        }

        Assert.True(GatewaySharedKeys.TryFromBase58(c.Expected["shared_keys_b58"].Str(), out var parsed));
        Assert.Equal(c.Expected["okm"].Str(), Concat(parsed.EncryptionKey, parsed.MacKey));
        Assert.True(GatewaySharedKeys.TryFromBytes(c.Expected["okm"].Hex(), out var fromBytes));
        Assert.Equal(c.Expected["shared_keys_b58"].Str(), fromBytes.ToBase58());
        Assert.False(GatewaySharedKeys.TryFromBytes(c.Expected["okm"].Hex().AsSpan(0, 31), out _));
        Assert.False(GatewaySharedKeys.TryFromBase58(c.Expected["shared_keys_b58"].Str() + "1", out _));
    }

    [Theory]
    [MemberData(nameof(AuthenticateCases))]
    public void Builds_and_checks_authenticate(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var keys = Keys(c);
        var request = AuthenticateRequest.Create(keys, c.Inputs["address"].Hex(), c.Inputs["iv"].Hex(), HandshakeFormat.Nym);
        Assert.Equal(c.Expected["enc_address"].Str(), request.EncryptedAddress.ToHex());
        Assert.Equal(c.Expected["text"].Str(), request.ToJson());

        Assert.True(GatewayText.TryParseFromClient(c.Expected["text"].Str(), out var parsed, out _));
        var received = Assert.IsType<AuthenticateRequest>(parsed);
        Assert.True(received.IsValidFor(keys, HandshakeFormat.Nym));
        Assert.False(received.IsValidFor(GatewaySharedKeys.FromKeys(c.Inputs["mac_key"].Hex(), c.Inputs["enc_key"].Hex()), HandshakeFormat.Nym));

        // The default path (D1) draws its own IV: two requests differ and both check.
        var first = AuthenticateRequest.Create(keys, c.Inputs["address"].Hex());
        var second = AuthenticateRequest.Create(keys, c.Inputs["address"].Hex());
        Assert.NotEqual(first.Iv, second.Iv);
        Assert.NotEqual(first.EncryptedAddress, second.EncryptedAddress);
        Assert.True(first.IsValidFor(keys) && second.IsValidFor(keys));

        // Nym's proof is keystream XOR address, which anyone holding a keystream block of enc_key can forge (with D1,
        // any frame of known plaintext gives one); the D1 check accepts only a proof made with the MAC key.
        Assert.False(received.IsValidFor(keys));
        var withoutMacKey = GatewaySharedKeys.FromKeys(c.Inputs["enc_key"].Hex(), new byte[16]);
        Assert.False(AuthenticateRequest.Create(withoutMacKey, c.Inputs["address"].Hex(), c.Inputs["iv"].Hex()).IsValidFor(keys));
    }

    [Theory]
    [MemberData(nameof(NymFrameCases))]
    public void Reproduces_nym_frames(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var keys = Keys(c);
        var plaintext = c.Inputs["plaintext"].Hex();
        var message = new byte[NymGatewayFrame.GetEncryptedLength(plaintext.Length)];
        Assert.Equal(message.Length, NymGatewayFrame.Encrypt(keys, plaintext, message));
        Assert.Equal(c.Expected["ws_message"].Str(), message.ToHex());
        Assert.Equal(c.Expected["mac"].Str(), message.AsSpan(0, NymGatewayFrame.MacLength).ToHex());
        Assert.Equal(c.Expected["ciphertext"].Str(), message.AsSpan(NymGatewayFrame.MacLength).ToHex());

        var decrypted = new byte[NymGatewayFrame.GetPlaintextLength(message.Length)];
        Assert.True(NymGatewayFrame.TryDecrypt(keys, message, decrypted, out int written, out var error));
        Assert.Equal(GatewayFrameError.None, error);
        Assert.Equal(plaintext, decrypted[..written]);

        AssertD1IsFresh(keys, plaintext);
    }

    [Theory]
    [MemberData(nameof(KeystreamCases))]
    public void Every_nym_frame_reuses_one_keystream(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var zeros = new byte[c.Inputs["length"].Int()];
        var message = new byte[NymGatewayFrame.GetEncryptedLength(zeros.Length)];
        NymGatewayFrame.Encrypt(Keys(c), zeros, message);
        Assert.Equal(c.Expected["keystream"].Str(), message.AsSpan(NymGatewayFrame.MacLength).ToHex());
    }

    [Theory]
    [MemberData(nameof(NymDecryptCases))]
    public void Decrypts_nym_frames_or_names_the_error(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var message = c.Inputs["ws_message"].Hex();
        var plaintext = new byte[NymGatewayFrame.GetPlaintextLength(message.Length)];
        bool ok = NymGatewayFrame.TryDecrypt(Keys(c), message, plaintext, out int written, out var error);
        AssertDecryption(c, ok, plaintext[..written], error);
    }

    [Theory]
    [MemberData(nameof(CredentialCases))]
    public void Encrypts_and_tags_a_credential_with_its_iv(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var request = BandwidthCredentialRequest.Create(Keys(c), c.Inputs["iv"].Hex(), c.Inputs["plaintext"].Hex());
        Assert.Equal(c.Expected["enc_credential"].Str(), request.EncryptedCredential.ToHex());
        Assert.Equal(c.Expected["text"].Str(), request.ToJson());

        Assert.True(GatewayText.TryParseFromClient(c.Expected["text"].Str(), out var parsed, out _));
        Assert.Equal(c.Expected["text"].Str(), Assert.IsType<BandwidthCredentialRequest>(parsed).ToJson());
    }

    [Theory]
    [MemberData(nameof(D1FrameCases))]
    public void Reproduces_d1_frames_with_the_given_iv(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var keys = Keys(c);
        var plaintext = c.Inputs["plaintext"].Hex();
        var message = new byte[GatewayFrame.GetEncryptedLength(plaintext.Length)];
        Assert.Equal(message.Length, GatewayFrame.Encrypt(keys, c.Inputs["iv"].Hex(), plaintext, message));
        Assert.Equal(c.Expected["ws_message"].Str(), message.ToHex());

        // Decryption in place: the plaintext overwrites the message's ciphertext.
        Assert.True(GatewayFrame.TryDecrypt(keys, message, message.AsSpan(GatewayFrame.Overhead), out int written, out _));
        Assert.Equal(plaintext, message.AsSpan(GatewayFrame.Overhead, written).ToArray());

        AssertD1IsFresh(keys, plaintext);
    }

    [Theory]
    [MemberData(nameof(D1DecryptCases))]
    public void Decrypts_d1_frames_or_names_the_error(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var message = c.Inputs["ws_message"].Hex();
        var plaintext = new byte[GatewayFrame.GetPlaintextLength(message.Length)];
        bool ok = GatewayFrame.TryDecrypt(Keys(c), message, plaintext, out int written, out var error);
        AssertDecryption(c, ok, plaintext[..written], error);
    }

    /// <summary>The default (D1) path: two encryptions of one plaintext differ, and both decrypt to it.</summary>
    private static void AssertD1IsFresh(GatewaySharedKeys keys, byte[] plaintext)
    {
        var first = new byte[GatewayFrame.GetEncryptedLength(plaintext.Length)];
        var second = new byte[first.Length];
        GatewayFrame.Encrypt(keys, plaintext, first);
        GatewayFrame.Encrypt(keys, plaintext, second);
        Assert.NotEqual(first, second);
        foreach (var message in new[] { first, second })
        {
            var decrypted = new byte[plaintext.Length];
            Assert.True(GatewayFrame.TryDecrypt(keys, message, decrypted, out _, out _));
            Assert.Equal(plaintext, decrypted);
        }
    }

    private static void AssertDecryption(VectorCase c, bool ok, byte[] plaintext, GatewayFrameError error)
    {
        if (c.Expected["error"] is { } expected)
        {
            Assert.False(ok);
            Assert.Empty(plaintext);
            Assert.Equal(expected["variant"].Str(), error.ToString());
            Assert.Equal(expected["display"].Str(), error.Display());
        }
        else
        {
            Assert.True(ok);
            Assert.Equal(c.Expected["plaintext"].Str(), plaintext.ToHex());
        }
    }

    private static string Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) => first.ToHex() + second.ToHex();
}
