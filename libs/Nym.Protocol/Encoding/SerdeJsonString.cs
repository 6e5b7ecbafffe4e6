using System.Globalization;
using System.Text;

namespace Nym.Protocol.Encoding;

/// <summary>JSON strings exactly as serde_json writes them, for the gateway's and the websocket API's texts.</summary>
internal static class SerdeJsonString
{
    /// <summary>
    /// Appends <paramref name="value"/> as a JSON string as serde_json escapes it: \" and \\, the short escapes
    /// \b \f \n \r \t, \u00xx (lowercase hex) for other control characters, everything else as is.
    /// </summary>
    public static StringBuilder AppendString(this StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (char c in value)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                '\b' => builder.Append("\\b"),
                '\f' => builder.Append("\\f"),
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                < ' ' => builder.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"');
    }
}
