using CsCheck;
using Nym.Protocol.Addressing;
using Nym.Protocol.WebSocketApi;
using Xunit;
using static Nym.Protocol.Tests.WebSocketApi.WebSocketApiGen;

namespace Nym.Protocol.Tests.WebSocketApi;

/// <summary>
/// Every codec decodes what it encodes, and no input, random or a mutated valid frame, makes a decoder throw.
/// Iterations are few and single-threaded: the machine is shared.
/// </summary>
public sealed class WebSocketApiPropertyTests
{
    private const int Iterations = 60;
    private const int CheapIterations = 2000;

    [Fact]
    public void Recipient_parses_back_from_both_forms() => AnyRecipient.Sample(r =>
    {
        Assert.True(Recipient.TryParse(r.ToBase58String(), out var parsed, out _));
        Assert.Equal(r, parsed);
        Assert.True(Recipient.TryFromBytes(r.ToBytes(), out var fromBytes, out _));
        Assert.Equal(r, fromBytes);
    }, iter: Iterations, threads: 1);

    [Fact]
    public void Binary_request_decodes_what_it_encodes() => Request(Message).Sample(request =>
    {
        var frame = BinaryApiCodec.Encode(request);
        Assert.True(BinaryApiCodec.TryDecodeRequest(frame, out var decoded, out var error), error?.ToString());
        Assert.Equal(request.GetType(), decoded.GetType());
        Assert.Equal(frame, BinaryApiCodec.Encode(decoded));
    }, iter: Iterations, threads: 1);

    [Fact]
    public void Binary_response_decodes_what_it_encodes() => Response(Message).Sample(response =>
    {
        var frame = BinaryApiCodec.Encode(response);
        Assert.True(BinaryApiCodec.TryDecodeResponse(frame, out var decoded, out var error), error?.ToString());
        Assert.Equal(response.GetType(), decoded.GetType());
        Assert.Equal(frame, BinaryApiCodec.Encode(decoded));
    }, iter: Iterations, threads: 1);

    [Fact]
    public void Text_request_decodes_what_it_encodes() => Request(TextMessage).Sample(request =>
    {
        var text = TextApiCodec.Encode(request);
        Assert.True(TextApiCodec.TryDecodeRequest(text, out var decoded, out var error), error?.ToString());
        Assert.Equal(BinaryApiCodec.Encode(request), BinaryApiCodec.Encode(decoded));
    }, iter: Iterations, threads: 1);

    [Fact]
    public void Text_response_decodes_what_it_encodes() => Response(TextMessage).Sample(response =>
    {
        var text = TextApiCodec.Encode(response);
        Assert.True(TextApiCodec.TryDecodeResponse(text, out var decoded, out var error), error?.ToString());
        Assert.Equal(BinaryApiCodec.Encode(response), BinaryApiCodec.Encode(decoded));
    }, iter: Iterations, threads: 1);

    [Fact]
    public void Random_bytes_give_a_value_or_an_error_never_an_exception() =>
        Gen.Byte.Array[0, 200].Sample(DecodeEverywhere, iter: CheapIterations, threads: 1);

    /// <summary>Valid frames with one byte changed, cut short, or extended: the inputs most likely to reach deep checks.</summary>
    [Fact]
    public void Mutated_frames_give_a_value_or_an_error_never_an_exception()
    {
        var frames = Gen.OneOf(
            Request(TextMessage).Select(BinaryApiCodec.Encode),
            Response(TextMessage).Select(BinaryApiCodec.Encode),
            Request(TextMessage).Select(TextApiCodec.Encode),
            Response(TextMessage).Select(TextApiCodec.Encode));
        Gen.Select(frames, Gen.Int[0, 2], Gen.Int[0, int.MaxValue], Gen.Byte, Mutate)
            .Sample(DecodeEverywhere, iter: CheapIterations / 4, threads: 1);
    }

    [Fact]
    public void Random_recipient_strings_and_bytes_give_a_value_or_an_error() =>
        Gen.Select(Gen.String, Gen.Byte.Array[96]).Sample((text, bytes) =>
        {
            _ = Recipient.TryParse(text, out _, out _);
            if (!Recipient.TryFromBytes(bytes, out _, out var error))
            {
                Assert.NotEqual(RecipientErrorClass.MalformedEncryptionKeyError, error.Class); // x25519 keys are never checked
            }
        }, iter: CheapIterations / 4, threads: 1);

    private static byte[] Mutate(byte[] frame, int how, int position, byte value)
    {
        var mutated = frame.ToList();
        int at = frame.Length == 0 ? 0 : position % frame.Length;
        switch (how)
        {
            case 0 when frame.Length > 0:
                mutated[at] ^= (byte)(value | 1);
                break;
            case 1:
                mutated.RemoveRange(at, frame.Length - at);
                break;
            default:
                mutated.Insert(at, value);
                break;
        }

        return [.. mutated];
    }

    private static void DecodeEverywhere(byte[] frame)
    {
        if (BinaryApiCodec.TryDecodeRequest(frame, out var request, out var error))
        {
            // The binary form is canonical: what decodes re-encodes to the frame (a self-address request ignores the rest).
            var encoded = BinaryApiCodec.Encode(request);
            Assert.True(request is SelfAddressRequest ? frame.AsSpan().StartsWith(encoded) : frame.AsSpan().SequenceEqual(encoded));
        }
        else
        {
            Assert.True((byte)error.Kind < 0x80);
        }

        if (BinaryApiCodec.TryDecodeResponse(frame, out var response, out error))
        {
            Assert.Equal(frame, BinaryApiCodec.Encode(response));
        }
        else
        {
            Assert.True((byte)error.Kind >= 0x80);
        }

        if (!TextApiCodec.TryDecodeRequest(frame, out _, out error))
        {
            Assert.Equal(ErrorKind.MalformedRequest, error.Kind);
        }

        if (!TextApiCodec.TryDecodeResponse(frame, out _, out error))
        {
            Assert.Equal(ErrorKind.MalformedResponse, error.Kind);
        }
    }
}
