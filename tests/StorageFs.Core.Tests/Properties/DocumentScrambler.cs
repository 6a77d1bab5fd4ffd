using System.Xml;
using System.Xml.Linq;

namespace StorageFs.Core.Tests.Properties;

/// <summary>
/// Rewrites a formatted document into another spelling libvirt reads the same way: sibling
/// elements of different names shuffled (same-named siblings keep their order), attributes
/// shuffled, double quotes, comments and odd whitespace between elements.
/// </summary>
internal static class DocumentScrambler
{
    public static string Scramble(string xml, int seed)
    {
        var r = new Random(seed);
        var doc = XDocument.Parse(xml, LoadOptions.PreserveWhitespace);
        Shuffle(doc.Root!, r);
        var settings = new XmlWriterSettings { OmitXmlDeclaration = r.Next(2) == 0, Indent = false };
        using var text = new StringWriter();
        using (var writer = XmlWriter.Create(text, settings))
        {
            doc.Save(writer);
        }
        return text.ToString();
    }

    private static void Shuffle(XElement element, Random r)
    {
        var attributes = element.Attributes().ToList();
        var plain = attributes.Where(a => !a.IsNamespaceDeclaration).OrderBy(_ => r.Next()).ToList();
        element.ReplaceAttributes(attributes.Where(a => a.IsNamespaceDeclaration).Concat(plain));

        var children = element.Elements().ToList();
        if (children.Count == 0)
        {
            return;
        }
        var groups = children.GroupBy(c => c.Name).OrderBy(_ => r.Next()).ToList();
        var content = new List<XNode>();
        foreach (var child in groups.SelectMany(g => g))
        {
            Shuffle(child, r);
            switch (r.Next(4))
            {
                case 0: content.Add(new XText("\n" + new string(' ', r.Next(6)))); break;
                case 1: content.Add(new XComment(" scrambled ")); break;
                case 2: content.Add(new XText("\t ")); break;
            }
            content.Add(child);
        }
        element.ReplaceNodes(content);
    }
}
