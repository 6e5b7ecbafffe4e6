using System.Text.Json.Nodes;
using Nym.TestVectors;
using Xunit;

namespace Nym.Sphinx.Tests;

/// <summary>Turns the Sphinx inputs of a vector case into library values, and walks a packet along its route.</summary>
internal static class VectorHelpers
{
    public static SphinxHop[] Route(JsonNode inputs) => inputs["nodes"].Items()
        .Select(n => new SphinxHop(Bytes32.From(n["address"].Hex()), Bytes32.From(n["public_key"].Hex())))
        .ToArray();

    public static ulong[] Delays(JsonNode inputs) => inputs["delays"].Items().Select(d => d.U64()).ToArray();

    public static SphinxDestination Destination(JsonNode inputs) =>
        new(Bytes32.From(inputs["destination"].Hex()), Bytes16.From(inputs["surb_identifier"].Hex()));

    public static void AssertError(JsonNode expected, SphinxError? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected["kind"].Str(), actual.Kind.ToString(), ignoreCase: true);
        Assert.Equal(expected["message"].Str(), actual.Message);
        Assert.Equal(expected["display"].Str(), actual.ToString());
    }

    /// <summary>
    /// Processes <paramref name="packet"/> hop by hop with each node's private key and checks every expected field.
    /// A hop that lists an input_packet (a tampered case) is given that packet instead of the previous output.
    /// </summary>
    public static void WalkHops(JsonNode nodes, JsonNode hops, byte[] packet)
    {
        var keys = nodes.Items().Select(n => n["private_key"].Hex()).ToArray();
        var current = packet;
        foreach (var hop in hops.Items())
        {
            int index = hop["hop"].Int();
            if (hop["input_packet"] is { } input)
            {
                current = input.Hex();
            }

            var output = new byte[current.Length];
            var result = new SphinxProcessor(keys[index]).Process(current, output);
            string kind = hop["result"].Str();
            switch (kind)
            {
                case "forward":
                    Assert.Equal(SphinxHopKind.Forward, result.Kind);
                    Assert.Equal(hop["shared_secret"].Str(), result.SharedSecret.ToArray().ToHex());
                    Assert.Equal(hop["next_hop_address"].Str(), result.Address.ToArray().ToHex());
                    Assert.Equal(hop["delay"].U64(), result.DelayNanoseconds);
                    Assert.Equal(hop["next_packet"].Str(), output.AsSpan(0, result.OutputLength).ToHex());
                    current = output;
                    break;
                case "final":
                    Assert.Equal(SphinxHopKind.Final, result.Kind);
                    Assert.Equal(hop["shared_secret"].Str(), result.SharedSecret.ToArray().ToHex());
                    Assert.Equal(hop["destination"].Str(), result.Address.ToArray().ToHex());
                    Assert.Equal(hop["identifier"].Str(), result.SurbIdentifier.ToArray().ToHex());
                    var block = output.AsSpan(0, result.OutputLength);
                    Assert.Equal(hop["payload"].Str(), ((ReadOnlySpan<byte>)block).ToHex());
                    bool recovered = SphinxPayload.TryRecoverPlaintext(block, out var message, out var error);
                    if (hop["recover_error"] is { } expectedError)
                    {
                        Assert.False(recovered);
                        AssertError(expectedError, error);
                    }
                    else
                    {
                        Assert.True(recovered, error?.ToString());
                        Assert.Equal(hop["message"].Str(), ((ReadOnlySpan<byte>)block[message]).ToHex());
                    }

                    return;
                case "error":
                    Assert.Equal(SphinxHopKind.Failed, result.Kind);
                    AssertError(hop["error"]!, result.Error);
                    return;
                default:
                    Assert.Fail($"Unknown hop result '{kind}'.");
                    break;
            }
        }

        Assert.Fail("The route ended without a final hop or an error.");
    }
}
