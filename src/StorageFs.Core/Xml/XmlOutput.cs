using System.Globalization;
using System.Text;

namespace StorageFs.Core.Xml;

/// <summary>
/// An indenting line buffer that writes XML the way libvirt's <c>virBuffer</c> does: two
/// spaces per level, one element per line, every line ending in "\n". Values passed to the
/// <c>Escaped…</c> helpers go through <see cref="LibvirtText.Escape"/>; a null value skips the
/// whole line, as <c>virBufferEscapeString</c> does with a NULL string.
/// </summary>
internal sealed class XmlOutput
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation.</summary>
    public void Line(string text)
    {
        _sb.Append(' ', _indent).Append(text).Append('\n');
    }

    /// <summary>Indents the following lines one level (two spaces).</summary>
    public void Indent() => _indent += 2;

    /// <summary>Undoes one <see cref="Indent"/>.</summary>
    public void Dedent() => _indent -= 2;

    /// <summary>Writes <c>&lt;open&gt;</c> and indents.</summary>
    public void Open(string tag)
    {
        Line("<" + tag + ">");
        _indent += 2;
    }

    /// <summary>Unindents and writes <c>&lt;/name&gt;</c>.</summary>
    public void Close(string name)
    {
        _indent -= 2;
        Line("</" + name + ">");
    }

    /// <summary><c>&lt;name&gt;escaped value&lt;/name&gt;</c>, nothing when value is null.</summary>
    public void Element(string name, string? value)
    {
        if (value is not null)
        {
            Line($"<{name}>{LibvirtText.Escape(value)}</{name}>");
        }
    }

    /// <summary><c>&lt;name attr='escaped value'/&gt;</c>, nothing when value is null.</summary>
    public void EmptyElement(string name, string attribute, string? value)
    {
        if (value is not null)
        {
            Line($"<{name} {attribute}='{LibvirtText.Escape(value)}'/>");
        }
    }

    /// <summary><c>&lt;name unit='bytes'&gt;N&lt;/name&gt;</c>.</summary>
    public void Bytes(string name, ulong value)
    {
        Line($"<{name} unit='bytes'>{value.ToString(CultureInfo.InvariantCulture)}</{name}>");
    }

    /// <summary>The text written so far.</summary>
    public override string ToString() => _sb.ToString();
}
