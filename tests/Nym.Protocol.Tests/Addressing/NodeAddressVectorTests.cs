using System.Net;
using Nym.Protocol.Addressing;
using Nym.Sphinx;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.Addressing;

/// <summary>The node_address and node_address_parse cases of nym-addressing.json.</summary>
public sealed class NodeAddressVectorTests
{
    private const string File = "nym-addressing.json";

    public static TheoryData<string> EncodeCases => VectorFile.CaseNames(File, "node_address");

    public static TheoryData<string> ParseCases => VectorFile.CaseNames(File, "node_address_parse");

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encodes_the_three_forms(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var address = NymNodeRoutingAddress.FromEndPoint(IPEndPoint.Parse(c.Inputs["socket_addr"].Str()));
        AssertFields(c.Inputs, address);

        Assert.Equal(c.Expected["unpadded"].Str(), address.ToUnpaddedBytes().ToHex());
        var padded = new byte[NymNodeRoutingAddress.MaxUnpaddedLength];
        address.WritePadded(padded);
        Assert.Equal(c.Expected["padded_19"].Str(), padded.ToHex());
        Assert.Equal(c.Expected["sphinx_address"].Str(), address.ToSphinxAddress().ToArray().ToHex());

        // Every form reads back as the same address.
        foreach (var form in new[] { "unpadded", "padded_19", "sphinx_address" })
        {
            Assert.True(NymNodeRoutingAddress.TryParse(c.Expected[form].Hex(), out var parsed, out var error));
            Assert.Equal(NodeAddressError.None, error);
            Assert.Equal(address, parsed);
        }

        Assert.True(NymNodeRoutingAddress.TryFromSphinxAddress(Bytes32.From(c.Expected["sphinx_address"].Hex()), out var fromSphinx, out _));
        Assert.Equal(address, fromSphinx);
        Assert.Equal(IPEndPoint.Parse(c.Inputs["socket_addr"].Str()), address.ToEndPoint());
    }

    [Theory]
    [MemberData(nameof(ParseCases))]
    public void Parses_from_the_start_and_ignores_trailing_bytes(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        bool ok = NymNodeRoutingAddress.TryParse(c.Inputs["bytes"].Hex(), out var address, out var error);
        if (c.Expected["result"] is { } result)
        {
            Assert.True(ok);
            Assert.Equal(NodeAddressError.None, error);
            AssertFields(result, address);
        }
        else
        {
            Assert.False(ok);
            Assert.Equal(c.Expected["error"].Str(), error.ToString());
        }
    }

    private static void AssertFields(System.Text.Json.Nodes.JsonNode fields, NymNodeRoutingAddress address)
    {
        Assert.Equal(fields["socket_addr"].Str(), address.ToString());
        Assert.Equal(fields["ip_version"].Int(), address.IpVersion);
        Assert.Equal(fields["ip"].Str(), address.Address.GetAddressBytes().ToHex());
        Assert.Equal(fields["port"].Int(), address.Port);
    }
}
