using System.Text.Json.Nodes;
using Nym.TestVectors;
using Xunit;

namespace Nym.Protocol.Tests.WebSocketApi;

/// <summary>
/// websocket-api.json, read here rather than through <see cref="VectorFile"/> because its case names repeat across
/// kinds ("self_address" is both a binary_request and a binary_response): cases are found by kind and name.
/// </summary>
internal static class WebSocketApiVectors
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(VectorFile.Directory, "websocket-api.json")))!.AsObject());

    /// <summary>The address of the client under test, which answers selfAddress.</summary>
    public static JsonNode Shared => Root.Value["shared"]!;

    public static TheoryData<string> CaseNames(string kind)
    {
        var names = Cases(kind).Select(c => c.Name).ToArray();
        return names.Length > 0 ? new TheoryData<string>(names) : throw new InvalidOperationException($"No case of kind {kind}.");
    }

    public static VectorCase Case(string kind, string name) => Cases(kind).Single(c => c.Name == name);

    private static IEnumerable<VectorCase> Cases(string kind) =>
        Root.Value["cases"]!.AsArray().Select(c => new VectorCase(c!.AsObject())).Where(c => c.Kind == kind);
}
