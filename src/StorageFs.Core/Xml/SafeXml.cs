using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace StorageFs.Core.Xml;

/// <summary>
/// Loads an untrusted document harmlessly: over <see cref="MaxDocumentBytes"/> it is refused
/// before any parsing; DTDs are prohibited (so no entity expansion, no billion laughs) and no
/// resolver exists (so no external entity or schema is ever fetched). Whitespace is kept, as
/// libxml2 keeps it for libvirt. Elements nest at most <see cref="MaxDepth"/> deep, libxml2's
/// own limit without XML_PARSE_HUGE (xmlParserMaxDepth, parser.c), which libvirt's parser never
/// sets: a deeper document is refused by a streaming pass before any tree is built, in
/// milliseconds. Errors name the document like libvirt's parser does
/// ("(storage_pool_definition)").
/// </summary>
internal static class SafeXml
{
    /// <summary>Largest document accepted, in UTF-8 bytes (1 MiB).</summary>
    public const int MaxDocumentBytes = 1 << 20;

    /// <summary>Deepest element nesting accepted (libxml2's xmlParserMaxDepth).</summary>
    public const int MaxDepth = 256;

    public static XElement Load(string text, string documentName)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxDocumentBytes || Encoding.UTF8.GetByteCount(text) > MaxDocumentBytes)
        {
            throw LibvirtErrors.Xml(
                $"{documentName}: document is {Encoding.UTF8.GetByteCount(text)} bytes, " +
                $"over the {MaxDocumentBytes}-byte limit");
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxDocumentBytes,
            MaxCharactersFromEntities = MaxDocumentBytes,
            CheckCharacters = true,
            IgnoreWhitespace = false,
            CloseInput = true,
        };
        try
        {
            CheckDepth(text, settings, documentName);
            using var reader = XmlReader.Create(new StringReader(text), settings);
            var doc = XDocument.Load(reader, LoadOptions.PreserveWhitespace | LoadOptions.SetLineInfo);
            return doc.Root ?? throw LibvirtErrors.Xml($"{documentName}: missing root element");
        }
        catch (XmlException e) when (IsDtdRefusal(e))
        {
            throw LibvirtErrors.Xml(
                $"{Where(documentName, e)}document type declarations (<!DOCTYPE>) are not " +
                "allowed: entity definitions and external entities are refused");
        }
        catch (XmlException e)
        {
            throw LibvirtErrors.Xml($"{Where(documentName, e)}{e.Message}");
        }
    }

    // A streaming pass: XDocument.Load would first build every level of a hostile document
    // (100,000 levels took 33 s); XmlReader.Depth costs nothing to read.
    private static void CheckDepth(string text, XmlReaderSettings settings, string documentName)
    {
        using var reader = XmlReader.Create(new StringReader(text), settings);
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.Depth >= MaxDepth)
            {
                int line = reader is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;
                throw LibvirtErrors.Xml(
                    $"{(line > 0 ? $"{documentName}:{line}: " : $"{documentName}: ")}elements nested more than {MaxDepth} deep");
            }
        }
    }

    private static string Where(string documentName, XmlException e) =>
        e.LineNumber > 0 ? $"{documentName}:{e.LineNumber}: " : $"{documentName}: ";

    private static bool IsDtdRefusal(XmlException e) =>
        e.Message.Contains("DTD", StringComparison.Ordinal) ||
        e.Message.Contains("DOCTYPE", StringComparison.Ordinal);
}
