using System.Globalization;
using System.Text.Json;
using System.Text;
using Nym.Protocol.Encoding;

namespace Nym.Protocol.WebSocketApi;

/// <summary>A value of a recognised field: a string's text, or the compact JSON text of any other value.</summary>
internal readonly record struct JsonField(JsonValueKind Kind, string Text)
{
    /// <summary>serde's words for a value of the wrong type, for error details (informative only, §2).</summary>
    public string Describe() => Kind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Number => "number",
        JsonValueKind.Array => "sequence",
        _ => "map",
    };
}

/// <summary>JSON as serde_json writes and reads it for the text API (§2).</summary>
internal static class JsonText
{
    /// <summary>
    /// Reads one JSON object and returns its fields that <paramref name="fieldName"/> maps to a name (aliases map to
    /// the same name); other fields are skipped, as serde ignores unknown fields. Returns an error detail, or null.
    /// Never throws.
    /// </summary>
    public static string? TryReadObject(ReadOnlySpan<byte> utf8, Func<string, string?> fieldName, out Dictionary<string, JsonField> fields)
    {
        fields = new(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "invalid type: expected a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string? name = fieldName(reader.GetString()!);
                reader.Read();
                if (name is null)
                {
                    reader.Skip();
                }
                else if (!fields.TryAdd(name, ReadValue(ref reader)))
                {
                    return $"duplicate field `{name}`";
                }
            }

            // Checks that nothing but whitespace follows the object: the reader throws on anything else.
            reader.Read();
            return null;
        }
        catch (JsonException e)
        {
            return $"invalid JSON: {e.Message}";
        }
        catch (InvalidOperationException e)
        {
            // A string of invalid UTF-8, or a \u escape of a lone surrogate, cannot become a .NET string; serde_json
            // refuses both too. The reader reports them only when the string is read.
            return $"invalid JSON string: {e.Message}";
        }
    }

    private static JsonField ReadValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new(JsonValueKind.String, reader.GetString()!);
        }

        using var document = JsonDocument.ParseValue(ref reader);
        var element = document.RootElement;
        return new(element.ValueKind, new StringBuilder().AppendCompact(element).ToString());
    }

    /// <summary>A value as compact JSON text (D6: a non-string message is sent as such); numbers keep their text.</summary>
    private static StringBuilder AppendCompact(this StringBuilder builder, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                bool first = true;
                foreach (var property in element.EnumerateObject())
                {
                    builder.Append(first ? "" : ",").AppendString(property.Name).Append(':').AppendCompact(property.Value);
                    first = false;
                }

                return builder.Append('}');
            case JsonValueKind.Array:
                builder.Append('[');
                int index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    builder.Append(index++ == 0 ? "" : ",").AppendCompact(item);
                }

                return builder.Append(']');
            case JsonValueKind.String:
                return builder.AppendString(element.GetString()!);
            default:
                return builder.Append(element.GetRawText());
        }
    }
}
