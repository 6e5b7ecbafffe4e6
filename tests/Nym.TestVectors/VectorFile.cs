using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Nym.TestVectors;

/// <summary>
/// One vector file of ../shared/vectors (overridable with NYM_VECTORS_DIR). Tests enumerate its cases by name at
/// discovery, so a case added to a file becomes a test with no code change. A name is unique within its kind
/// (websocket-api.json reuses names across kinds, e.g. "self_address" as a request and as a response).
/// </summary>
public sealed class VectorFile
{
    private static readonly Dictionary<string, VectorFile> Cache = new(StringComparer.Ordinal);
    private readonly JsonObject[] _cases;

    private VectorFile(string path)
    {
        Root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        _cases = Root["cases"]!.AsArray().Select(c => c!.AsObject()).ToArray();
        Path = path;
    }

    public string Path { get; }

    /// <summary>The whole file, for the few top-level fields besides the cases (e.g. "shared").</summary>
    public JsonObject Root { get; }

    public static string Directory
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable("NYM_VECTORS_DIR");
            if (!string.IsNullOrEmpty(overridden))
            {
                return overridden;
            }

            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "NymAspire.sln")))
            {
                dir = dir.Parent;
            }

            if (dir?.Parent is null)
            {
                throw new InvalidOperationException("Cannot find the repository root (NymAspire.sln); set NYM_VECTORS_DIR to the vectors directory.");
            }

            return System.IO.Path.Combine(dir.Parent.FullName, "shared", "vectors");
        }
    }

    public static VectorFile Open(string fileName)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(fileName, out var file))
            {
                var path = System.IO.Path.Combine(Directory, fileName);
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException($"Vector file {path} is missing; set NYM_VECTORS_DIR to the vectors directory.", path);
                }

                file = new VectorFile(path);
                Cache[fileName] = file;
            }

            return file;
        }
    }

    /// <summary>The names of the cases of the given kinds (all kinds when none is given).</summary>
    public static TheoryData<string> CaseNames(string fileName, params string[] kinds)
    {
        var names = Open(fileName)._cases
            .Where(c => kinds.Length == 0 || kinds.Contains((string)c["kind"]!))
            .Select(c => (string)c["name"]!)
            .ToArray();
        if (names.Length == 0)
        {
            throw new InvalidOperationException($"{fileName} has no case of kind {string.Join(", ", kinds)}.");
        }

        return new TheoryData<string>(names);
    }

    /// <summary>The case of that name; the file must not use the name for two kinds.</summary>
    public VectorCase Case(string name) =>
        new(_cases.Single(c => (string)c["name"]! == name));

    /// <summary>The case of that kind and name.</summary>
    public VectorCase Case(string kind, string name) =>
        new(_cases.Single(c => (string)c["kind"]! == kind && (string)c["name"]! == name));
}

/// <summary>A case's JSON with helpers for the conventions of the files (hex bytes, u64 as decimal strings).</summary>
public sealed class VectorCase(JsonObject json)
{
    public JsonObject Json { get; } = json;

    public string Name => (string)Json["name"]!;

    public string Kind => (string)Json["kind"]!;

    public JsonNode Inputs => Json["inputs"]!;

    public JsonNode Expected => Json["expected"]!;

    public override string ToString() => Name;
}

public static class JsonVectorExtensions
{
    public static byte[] Hex(this JsonNode? node) =>
        node is null ? throw new InvalidOperationException("Expected a hex string, found null.") : Convert.FromHexString((string)node!);

    public static ulong U64(this JsonNode? node) => node!.GetValueKind() == JsonValueKind.String
        ? ulong.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture)
        : (ulong)node!;

    public static int Int(this JsonNode? node) => (int)node!;

    public static string Str(this JsonNode? node) => (string)node!;

    public static bool IsNull(this JsonNode? node) => node is null;

    public static IEnumerable<JsonNode> Items(this JsonNode? node) => node!.AsArray().Select(n => n!);

    public static string ToHex(this ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string ToHex(this byte[] bytes) => Convert.ToHexStringLower(bytes);
}
