using System.Xml.Linq;

namespace StorageFs.Core.Xml;

/// <summary>
/// The few XPath forms libvirt's parsers use, with their exact semantics
/// (src/util/virxml.c): <c>./a/b</c> selects children without a namespace, in document order
/// across all matches; <c>string(…)</c> yields null when nothing matches or the string is
/// empty (<c>virXPathString</c>); <c>xmlGetProp</c> ignores namespaces and keeps "".
/// </summary>
internal static class XmlQuery
{
    /// <summary>Elements reached from <paramref name="context"/> by child steps, in document order.</summary>
    public static IEnumerable<XElement> Nodes(XElement context, params string[] steps)
    {
        IEnumerable<XElement> current = [context];
        foreach (var step in steps)
        {
            var name = XName.Get(step, "");
            current = current.SelectMany(e => e.Elements(name));
        }
        return current;
    }

    /// <summary><c>virXPathNode("./steps")</c>: the first element reached, or null.</summary>
    public static XElement? Node(XElement context, params string[] steps) =>
        Nodes(context, steps).FirstOrDefault();

    /// <summary><c>virXPathString("string(./steps)")</c>: null when absent or empty.</summary>
    public static string? String(XElement context, params string[] steps)
    {
        var node = Node(context, steps);
        if (node is null)
        {
            return null;
        }
        var value = node.Value;
        return value.Length == 0 ? null : value;
    }

    /// <summary><c>virXPathString("string(./steps/@attr)")</c>: the first such attribute in
    /// document order, null when absent or empty.</summary>
    public static string? AttrString(XElement context, string attribute, params string[] steps)
    {
        var name = XName.Get(attribute, "");
        foreach (var element in Nodes(context, steps))
        {
            var attr = element.Attribute(name);
            if (attr is not null)
            {
                return attr.Value.Length == 0 ? null : attr.Value;
            }
        }
        return null;
    }

    /// <summary><c>xmlGetProp</c>: the attribute's value whatever its namespace, "" kept.</summary>
    public static string? Prop(XElement element, string name)
    {
        var plain = element.Attribute(XName.Get(name, ""));
        if (plain is not null)
        {
            return plain.Value;
        }
        foreach (var attr in element.Attributes())
        {
            if (!attr.IsNamespaceDeclaration && attr.Name.LocalName == name)
            {
                return attr.Value;
            }
        }
        return null;
    }

    /// <summary>The 1-based line of an element, for messages; 0 when unknown.</summary>
    public static int Line(XObject node) =>
        node is System.Xml.IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;
}
