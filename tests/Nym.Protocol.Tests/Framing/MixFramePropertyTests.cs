using System.Buffers;
using System.Net;
using CsCheck;
using Nym.Protocol.Addressing;
using Nym.Protocol.Framing;
using Xunit;

namespace Nym.Protocol.Tests.Framing;

public sealed class MixFramePropertyTests
{
    // Extended packets are rare so that a run stays short.
    private static readonly Gen<PacketSize> Sizes = Gen.Frequency((6, Gen.Const(PacketSize.Ack)), (3, Gen.Const(PacketSize.Regular)), (1, Gen.Const(PacketSize.Extended)));

    private static readonly Gen<(PacketMode Mode, byte[] Packet)> Packets =
        Gen.Select(Gen.OneOf(PacketMode.Mix, PacketMode.Vpn), Sizes, Gen.Byte)
            .Select(t => (t.Item1, Enumerable.Range(0, t.Item2.PacketLength()).Select(i => (byte)(i * 31 + t.Item3)).ToArray()));

    [Fact]
    public void Frames_split_anywhere_decode_to_the_frames_sent() =>
        Gen.Select(Packets.List[0, 5], Gen.Int[0, 40_000].Array[0, 12]).Sample((packets, cuts) =>
        {
            var stream = packets.SelectMany(p =>
            {
                var frame = new byte[MixFrameCodec.GetFrameLength(p.Packet.Length)];
                MixFrameCodec.Encode(p.Mode, p.Packet, frame);
                return frame;
            }).ToArray();

            // As a pipe reader does: decode what has arrived, keep the rest, append the next chunk.
            var received = new List<(PacketMode, byte[])>();
            var pending = new List<byte[]>();
            foreach (var chunk in Segments.Split(stream, cuts))
            {
                pending.Add(chunk);
                var buffer = Segments.Of(pending);
                while (MixFrameCodec.TryDecode(ref buffer, out var frame, out _) == OperationStatus.Done)
                {
                    received.Add((frame.Header.Mode, frame.Packet.ToArray()));
                }

                pending = buffer.IsEmpty ? [] : [buffer.ToArray()];
            }

            Assert.Empty(pending);
            Assert.Equal(packets.Count, received.Count);
            for (int i = 0; i < packets.Count; i++)
            {
                Assert.Equal(packets[i].Mode, received[i].Item1);
                Assert.Equal(packets[i].Packet, received[i].Item2);
            }
        }, iter: 100);

    [Fact]
    public void Random_bytes_give_frames_more_data_or_an_error() => Gen.Byte.Array[0, 3000].Sample(bytes =>
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        OperationStatus status;
        while ((status = MixFrameCodec.TryDecode(ref buffer, out _, out _)) == OperationStatus.Done)
        {
        }

        Assert.True(status is OperationStatus.NeedMoreData or OperationStatus.InvalidData);
    }, iter: 2000);

    [Fact]
    public void A_mutated_stream_never_throws() =>
        Gen.Select(Packets.List[1, 3], Gen.Int[0, 40_000], Gen.Byte).Sample((packets, position, value) =>
        {
            var stream = new ArrayBufferWriter<byte>();
            foreach (var (mode, packet) in packets)
            {
                MixFrameCodec.Encode(mode, packet, stream);
            }

            var bytes = stream.WrittenSpan.ToArray();
            bytes[position % bytes.Length] = value;
            var buffer = new ReadOnlySequence<byte>(bytes);
            var span = bytes.AsSpan();
            OperationStatus status;
            while ((status = MixFrameCodec.TryDecode(ref buffer, out var frame, out _)) == OperationStatus.Done)
            {
                // The span form agrees with the sequence form frame by frame.
                Assert.Equal(OperationStatus.Done, MixFrameCodec.TryDecode(span, out var header, out _));
                Assert.Equal(frame.Header, header);
                span = span[header.FrameLength..];
            }

            Assert.Equal(status, MixFrameCodec.TryDecode(span, out _, out _));
        }, iter: 300);

    [Fact]
    public void Mix_packets_parse_back() =>
        Gen.Select(Packets, Gen.Bool, Gen.Byte.Array[16], Gen.UShort).Sample((p, v4, ip, port) =>
        {
            var nextHop = NymNodeRoutingAddress.FromEndPoint(new IPEndPoint(new IPAddress(v4 ? ip[..4] : ip), port));
            var bytes = new MixPacket(p.Mode, nextHop, p.Packet).ToBytes();
            Assert.True(MixPacket.TryParse(bytes, out var parsed, out _));
            Assert.Equal((p.Mode, nextHop), (parsed.Mode, parsed.NextHop));
            Assert.Equal(p.Packet, parsed.Packet.ToArray());
        }, iter: 200);

    [Fact]
    public void Random_bytes_are_a_mix_packet_or_an_error() => Gen.Byte.Array[0, 500].Sample(bytes =>
    {
        bool ok = MixPacket.TryParse(bytes, out var packet, out var error);
        Assert.Equal(ok, error.Kind == MixPacketErrorKind.None);
        Assert.False(string.IsNullOrEmpty(ok ? packet.NextHop.ToString() : error.ToString()));
    }, iter: 2000);
}
