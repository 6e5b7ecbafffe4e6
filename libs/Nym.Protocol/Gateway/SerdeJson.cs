using System.Globalization;
using System.Text;
using Nym.Protocol.Encoding;

namespace Nym.Protocol.Gateway;

/// <summary>
/// Writes JSON exactly as Rust's serde_json does for Nym's control messages (nym-mixnet.md §5.2–5.4), so the text
/// matches byte for byte: compact, fields in declaration order, byte vectors as arrays of numbers, and strings with
/// only <c>"</c>, <c>\</c> and control characters escaped (short forms where JSON has them, else lowercase
/// <c>\u00xx</c>); everything else, non-ASCII included, is written as is.
/// </summary>
internal sealed class SerdeJson
{
    private readonly StringBuilder _text = new();
    private bool _first = true;

    private SerdeJson(string type)
    {
        _text.Append("{\"type\":");
        _text.AppendString(type);
        _first = false;
    }

    /// <summary>Starts an internally tagged object: <c>{"type":"…"</c>.</summary>
    public static SerdeJson Tagged(string type) => new(type);

    public SerdeJson String(string name, string value)
    {
        Name(name);
        _text.AppendString(value);
        return this;
    }

    public SerdeJson Bool(string name, bool value)
    {
        Name(name);
        _text.Append(value ? "true" : "false");
        return this;
    }

    public SerdeJson Int64(string name, long value)
    {
        Name(name);
        _text.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public SerdeJson Bytes(string name, ReadOnlySpan<byte> value)
    {
        Name(name);
        _text.Append('[');
        for (int i = 0; i < value.Length; i++)
        {
            if (i > 0)
            {
                _text.Append(',');
            }

            _text.Append(value[i].ToString(CultureInfo.InvariantCulture));
        }

        _text.Append(']');
        return this;
    }

    public override string ToString() => _text.ToString() + "}";

    private void Name(string name)
    {
        if (!_first)
        {
            _text.Append(',');
        }

        _first = false;
        _text.AppendString(name);
        _text.Append(':');
    }
}
