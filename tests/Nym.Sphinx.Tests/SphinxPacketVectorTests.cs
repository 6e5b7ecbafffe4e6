using Nym.TestVectors;
using Xunit;
using static Nym.Sphinx.Tests.VectorHelpers;

namespace Nym.Sphinx.Tests;

/// <summary>Every case of sphinx-packets.json: building byte for byte, and processing hop by hop.</summary>
public sealed class SphinxPacketVectorTests
{
    private const string File = "sphinx-packets.json";

    public static TheoryData<string> BuildableCases => VectorFile.CaseNames(File, "valid", "tampered");

    public static TheoryData<string> AllCases => VectorFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(BuildableCases))]
    public void Builder_reproduces_the_packet(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var builder = new SphinxPacketBuilder(c.Inputs["payload_size"].Int());
        var packet = new byte[builder.PacketLength];

        builder.Build(Route(c.Inputs), Delays(c.Inputs), Destination(c.Inputs), c.Inputs["message"].Hex(),
            c.Inputs["initial_secret"].Hex(), c.Inputs["final_hop_padding"].Hex(), packet);

        var expected = c.Expected["untampered_packet"] ?? c.Expected["packet"];
        Assert.Equal(expected.Str(), packet.ToHex());
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Nodes_process_the_packet_as_expected(string name)
    {
        var c = VectorFile.Open(File).Case(name);
        var packet = c.Expected["packet"].Hex();
        if (c.Expected["hops"] is { } hops)
        {
            WalkHops(c.Inputs["nodes"]!, hops, packet);
            return;
        }

        // A single processing with a given key (wrong_node_key) or the first node's key (too_short_packet).
        var key = c.Expected["processing_private_key"]?.Hex() ?? c.Inputs["nodes"]![0]!["private_key"].Hex();
        var result = new SphinxProcessor(key).Process(packet, new byte[packet.Length]);
        Assert.Equal(SphinxHopKind.Failed, result.Kind);
        AssertError(c.Expected["error"]!, result.Error);
    }
}
