using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nym.Protocol.Topology;

/// <summary>A cosmwasm <c>Coin</c>: the amount is a u128 written as a string (nym-mixnet.md §7).</summary>
public sealed record Coin(string Denom, string Amount)
{
    public static Coin Unym(ulong amount) => new("unym", amount.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

public sealed record MixNodeDescriptor(
    string Host, ushort MixPort, ushort VerlocPort, ushort HttpApiPort, string SphinxKey, string IdentityKey, string Version, byte ProfitMarginPercent);

/// <summary>One element of <c>GET /v1/mixnodes/active</c> in Nym 1.0.1's validator API. Layer 1–3 (0 is a gateway).</summary>
public sealed record MixNodeBond(
    Coin PledgeAmount, Coin TotalDelegation, string Owner, int Layer, ulong BlockHeight, MixNodeDescriptor MixNode, string? Proxy, string? AccumulatedRewards);

public sealed record GatewayDescriptor(
    string Host, ushort MixPort, ushort ClientsPort, string Location, string SphinxKey, string IdentityKey, string Version);

/// <summary>One element of <c>GET /v1/gateways</c> in Nym 1.0.1's validator API.</summary>
public sealed record GatewayBond(Coin PledgeAmount, string Owner, ulong BlockHeight, GatewayDescriptor Gateway, string? Proxy);

/// <summary>
/// The topology JSON of Nym 1.0.1's validator API (snake_case fields, keys in base58), written by our Topology
/// service and read by clients. Reading never throws: a malformed document is an error value.
/// </summary>
public static class TopologyJson
{
    /// <summary>Larger documents are refused before parsing; thousands of nodes fit well within it.</summary>
    public const int MaxDocumentLength = 16 * 1024 * 1024;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = 16,
    };

    public static byte[] Serialize(IReadOnlyList<MixNodeBond> mixNodes) => JsonSerializer.SerializeToUtf8Bytes(mixNodes, Options);

    public static byte[] Serialize(IReadOnlyList<GatewayBond> gateways) => JsonSerializer.SerializeToUtf8Bytes(gateways, Options);

    public static bool TryParseMixNodes(ReadOnlySpan<byte> utf8, out IReadOnlyList<MixNodeBond> bonds, out string error) =>
        TryParse(utf8, out bonds, out error);

    public static bool TryParseGateways(ReadOnlySpan<byte> utf8, out IReadOnlyList<GatewayBond> bonds, out string error) =>
        TryParse(utf8, out bonds, out error);

    private static bool TryParse<T>(ReadOnlySpan<byte> utf8, out IReadOnlyList<T> items, out string error)
        where T : class
    {
        items = [];
        if (utf8.Length > MaxDocumentLength)
        {
            error = $"the document is {utf8.Length} bytes, more than the {MaxDocumentLength} accepted";
            return false;
        }

        try
        {
            var parsed = JsonSerializer.Deserialize<List<T?>>(utf8, Options);
            if (parsed is null)
            {
                error = "the document is null instead of a list";
                return false;
            }

            // A null element is as malformed as a bond with bad keys: it is dropped, not fatal.
            items = parsed.Where(p => p is not null).Select(p => p!).ToArray();
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = $"malformed topology JSON: {e.Message}";
            return false;
        }
    }
}
