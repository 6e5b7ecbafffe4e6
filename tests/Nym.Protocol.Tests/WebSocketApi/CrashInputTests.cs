using System.Buffers.Binary;
using Nym.Protocol.Encoding;
using Nym.Protocol.WebSocketApi;
using Nym.Sphinx;
using Xunit;

namespace Nym.Protocol.Tests.WebSocketApi;

/// <summary>
/// The inputs that abort Nym 1.0.1 (nym-client-api.md §5, crash paths 1–4) each decode to an error value here (D7),
/// over their whole ranges. Paths 5 and 6 (a failed ws handshake, a disconnect race) are connection events, not
/// codec inputs: the client's connection handler must cover them.
/// </summary>
public sealed class CrashInputTests
{
    private static readonly byte[] ValidSurb = new byte[16 + Surb.LengthFor(3)];

    [Fact]
    public void Path1_text_reply_whose_surb_decodes_to_fewer_than_16_bytes()
    {
        for (int length = 0; length < 16; length++)
        {
            string text = $"{{\"type\":\"reply\",\"message\":\"hi\",\"replySurb\":\"{Base58.Encode(new byte[length].Select((_, i) => (byte)(i + 1)).ToArray())}\"}}";
            Assert.False(TextApiCodec.TryDecodeRequest(System.Text.Encoding.UTF8.GetBytes(text), out _, out var error));
            Assert.Equal(ErrorKind.MalformedRequest, error.Kind);
        }
    }

    [Fact]
    public void Path2_binary_reply_with_a_surb_length_below_16()
    {
        for (ulong surbLength = 0; surbLength < 16; surbLength++)
        {
            AssertRefused(Reply(surbLength, new byte[16]));
        }
    }

    /// <summary>Nym's bound lets through every SURB length in (frame − 9, frame + 15], then slices out of range.</summary>
    [Fact]
    public void Path3_binary_reply_with_a_surb_length_past_the_frame()
    {
        for (int rest = 8; rest < 64; rest++)
        {
            int frameLength = 9 + rest;
            for (ulong surbLength = (ulong)rest + 1; surbLength <= (ulong)frameLength + 15; surbLength++)
            {
                AssertRefused(Reply(surbLength, new byte[rest]));
            }
        }
    }

    [Fact]
    public void Path4_binary_reply_with_a_valid_surb_and_no_room_for_the_message_length()
    {
        for (int tail = 0; tail < 8; tail++)
        {
            AssertRefused(Reply((ulong)ValidSurb.Length, [.. ValidSurb, .. new byte[tail]]));
        }
    }

    private static byte[] Reply(ulong declaredSurbLength, byte[] rest)
    {
        var frame = new byte[9 + rest.Length];
        frame[0] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(1), declaredSurbLength);
        rest.CopyTo(frame, 9);
        return frame;
    }

    private static void AssertRefused(byte[] frame)
    {
        Assert.False(BinaryApiCodec.TryDecodeRequest(frame, out _, out var error));
        Assert.True(error.Kind is ErrorKind.MalformedRequest or ErrorKind.TooShortRequest, error.ToString());
        Assert.NotEmpty(BinaryApiCodec.Encode(new ErrorResponse(error)));
    }
}
