using System.Buffers;
using System.Net;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Framing;

/// <summary>The mix_frame_* and mix_packet* cases of nym-framing.json.</summary>
public sealed class MixFrameVectorTests
{
    private const string File = "nym-framing.json";

    public static TheoryData<string> EncodeCases => VectorFile.CaseNames(File, "mix_frame_encode");

    public static TheoryData<string> DecodeCases => VectorFile.CaseNames(File, "mix_frame_decode");

    public static TheoryData<string> MixPacketCases => VectorFile.CaseNames(File, "mix_packet");

    public static TheoryData<string> MixPacketParseCases => VectorFile.CaseNames(File, "mix_packet_parse");

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encodes_a_frame(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var mode = (PacketMode)c.Inputs["packet_mode"].Int();
        var packet = c.Inputs["packet"].Hex();

        var frame = new byte[MixFrameCodec.GetFrameLength(packet.Length)];
        Assert.Equal(frame.Length, MixFrameCodec.Encode(mode, packet, frame));
        Assert.Equal(c.Expected["frame"].Str(), frame.ToHex());
        Assert.Equal(c.Expected["packet_size_id"].Int(), frame[0]);

        var writer = new ArrayBufferWriter<byte>();
        MixFrameCodec.Encode(mode, packet, writer);
        Assert.Equal(c.Expected["frame"].Str(), writer.WrittenSpan.ToHex());
    }

    [Theory]
    [MemberData(nameof(DecodeCases))]
    public void Decodes_a_stream_as_the_codec_does(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var stream = c.Inputs["stream"].Hex();

        // Whole, and one byte per segment (every header and packet straddles segments).
        foreach (var buffer in new[] { new ReadOnlySequence<byte>(stream), Segments.Of(stream.Select(b => new[] { b }).ToList()) })
        {
            var frames = new List<MixFrame>();
            var rest = buffer;
            OperationStatus status;
            MixFrameError error;
            while ((status = MixFrameCodec.TryDecode(ref rest, out var frame, out error)) == OperationStatus.Done)
            {
                frames.Add(frame);
            }

            AssertOutcome(c, frames.Select(f => (f.Header, f.Packet.ToArray())).ToList(), rest.Length, status, error);
        }

        // The span form over the same bytes.
        var spanFrames = new List<(MixFrameHeader, byte[])>();
        var span = stream.AsSpan();
        OperationStatus spanStatus;
        MixFrameError spanError;
        while ((spanStatus = MixFrameCodec.TryDecode(span, out var header, out spanError)) == OperationStatus.Done)
        {
            spanFrames.Add((header, span[MixFrameCodec.HeaderLength..header.FrameLength].ToArray()));
            span = span[header.FrameLength..];
        }

        AssertOutcome(c, spanFrames, span.Length, spanStatus, spanError);
    }

    private static void AssertOutcome(VectorCase c, List<(MixFrameHeader Header, byte[] Packet)> frames, long remaining, OperationStatus status, MixFrameError error)
    {
        var expected = c.Expected["frames"].Items().ToList();
        Assert.Equal(expected.Count, frames.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i]["packet_size_id"].Int(), (int)frames[i].Header.Size);
            Assert.Equal(expected[i]["packet_mode"].Int(), (int)frames[i].Header.Mode);
            Assert.Equal(expected[i]["packet"].Str(), frames[i].Packet.ToHex());
        }

        Assert.Equal(c.Expected["remaining"].Int(), remaining);
        if (c.Expected["error"] is { } expectedError)
        {
            Assert.Equal(OperationStatus.InvalidData, status);
            Assert.Equal(expectedError.Str(), error.ToString());
        }
        else
        {
            Assert.Equal(OperationStatus.NeedMoreData, status);
            Assert.Equal(MixFrameError.None, error);
        }
    }

    [Theory]
    [MemberData(nameof(MixPacketCases))]
    public void Encodes_a_mix_packet(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var nextHop = NymNodeRoutingAddress.FromEndPoint(IPEndPoint.Parse(c.Inputs["next_hop_socket_addr"].Str()));
        var packet = new MixPacket((PacketMode)c.Inputs["packet_mode"].Int(), nextHop, c.Inputs["packet"].Hex());
        var bytes = packet.ToBytes();
        Assert.Equal(c.Expected["bytes"].Str(), bytes.ToHex());

        Assert.True(MixPacket.TryParse(bytes, out var parsed, out var error));
        Assert.Equal(MixPacketErrorKind.None, error.Kind);
        Assert.Equal(packet.Mode, parsed.Mode);
        Assert.Equal(nextHop, parsed.NextHop);
        Assert.Equal(c.Inputs["packet"].Str(), parsed.Packet.Span.ToHex());
    }

    [Theory]
    [MemberData(nameof(MixPacketParseCases))]
    public void Parses_a_mix_packet(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var bytes = c.Inputs["bytes"].Hex();
        bool ok = MixPacket.TryParse(bytes, out var packet, out var error);
        if (c.Expected["parsed"] is { } parsed)
        {
            Assert.True(ok);
            Assert.Equal(parsed["packet_mode"].Int(), (int)packet.Mode);
            Assert.Equal(parsed["next_hop_socket_addr"].Str(), packet.NextHop.ToString());
            Assert.Equal(bytes, packet.ToBytes());
        }
        else
        {
            Assert.False(ok);
            Assert.Equal(c.Expected["error"]!["variant"].Str(), error.Kind.ToString());
            Assert.Equal(c.Expected["error"]!["display"].Str(), error.ToString());
        }
    }

    [Fact]
    public void Sizes_match_the_table()
    {
        Assert.Equal((2413, 2065, 2048), (PacketSize.Regular.PacketLength(), PacketSize.Regular.PayloadLength(), PacketSize.Regular.PlaintextLength()));
        Assert.Equal((386, 38, 21), (PacketSize.Ack.PacketLength(), PacketSize.Ack.PayloadLength(), PacketSize.Ack.PlaintextLength()));
        Assert.Equal((33133, 32785, 32768), (PacketSize.Extended.PacketLength(), PacketSize.Extended.PayloadLength(), PacketSize.Extended.PlaintextLength()));
        Assert.Equal(PacketSizes.MaxPacketLength, PacketSize.Extended.PacketLength());
    }
}
