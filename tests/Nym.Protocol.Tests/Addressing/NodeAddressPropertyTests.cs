using System.Net;
using CsCheck;
using Nym.Protocol.Addressing;
using Xunit;

namespace Nym.Protocol.Tests.Addressing;

public sealed class NodeAddressPropertyTests
{
    private static readonly Gen<IPEndPoint> EndPoints = Gen.Select(Gen.Bool, Gen.Byte.Array[16], Gen.UShort)
        .Select(t => new IPEndPoint(new IPAddress(t.Item1 ? t.Item2[..4] : t.Item2), t.Item3));

    [Fact]
    public void Every_form_parses_back_to_the_endpoint() => EndPoints.Sample(endPoint =>
    {
        var address = NymNodeRoutingAddress.FromEndPoint(endPoint);
        Assert.Equal(endPoint, address.ToEndPoint());
        Assert.True(NymNodeRoutingAddress.TryParse(address.ToUnpaddedBytes(), out var unpadded, out _));
        Assert.True(NymNodeRoutingAddress.TryFromSphinxAddress(address.ToSphinxAddress(), out var fromSphinx, out _));
        Assert.Equal(address, unpadded);
        Assert.Equal(address, fromSphinx);
        Assert.Equal(address.GetHashCode(), fromSphinx.GetHashCode());
    }, iter: 500);

    [Fact]
    public void Any_bytes_give_an_address_or_an_error() => Gen.Byte.Array[0, 40].Sample(bytes =>
    {
        if (NymNodeRoutingAddress.TryParse(bytes, out var address, out var error))
        {
            // What was read is exactly the start of the input.
            Assert.Equal(NodeAddressError.None, error);
            Assert.Equal(bytes[..address.UnpaddedLength], address.ToUnpaddedBytes());
        }
        else
        {
            Assert.NotEqual(NodeAddressError.None, error);
        }
    }, iter: 2000);
}
