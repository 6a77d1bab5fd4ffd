using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// Reads and writes <c>&lt;fspool type='dir'&gt;</c> documents as the 2016 libvirt fspool series
/// did (<c>virFSPoolDefParseXML</c>/<c>virFSPoolDefFormatBuf</c>, src/conf/fs_conf.c): name
/// required without '/', uuid generated when absent, target path required and sanitised,
/// permissions as for storage pools, sizes output only; of the source, type dir writes only
/// the product. Output follows libvirt's layout rules like <see cref="PoolXml"/>.
/// </summary>
public static class FsPoolXml
{
    /// <summary>The document name used in parse error messages.</summary>
    public const string DocumentName = "(fs_pool_definition)";

    /// <summary>Parses an fspool document.</summary>
    /// <exception cref="StorageException">XmlError or ConfigUnsupported naming the element at fault.</exception>
    public static FsPoolDefinition Parse(string xml) => Parse(SafeXml.Load(xml, DocumentName));

    internal static FsPoolDefinition Parse(XElement root)
    {
        if (root.Name.LocalName != "fspool")
        {
            throw LibvirtErrors.Xml($"unexpected root element <{root.Name.LocalName}>, expecting <fspool>");
        }
        var type = XmlQuery.AttrString(root, "type") ?? throw LibvirtErrors.Xml("fspool missing type attribute");
        if (type != "dir")
        {
            throw LibvirtErrors.Unsupported(
                $"unknown fspool type '{type}' (attribute 'type' of element 'fspool' must be dir)");
        }
        var def = new FsPoolDefinition { Type = FsPoolType.Dir };
        var source = XmlQuery.Node(root, "source");
        if (source is not null)
        {
            def.Source = new FsPoolSource
            {
                Name = XmlQuery.String(source, "name"),
                Format = XmlQuery.AttrString(source, "type", "format"),
                Dir = XmlQuery.AttrString(source, "path", "dir"),
                Product = XmlQuery.AttrString(source, "name", "product"),
            };
        }
        PoolXml.ParseIdentity(root, def);
        var path = XmlQuery.String(root, "target", "path")
            ?? throw LibvirtErrors.Xml("missing storage pool target path");
        def.Target.Path = LibvirtText.SanitizePath(path);
        def.Target.Permissions = PermissionsXml.Parse(root, "target", "permissions");
        return def;
    }

    /// <summary>Formats an fspool definition.</summary>
    public static string Format(FsPoolDefinition def)
    {
        ArgumentNullException.ThrowIfNull(def);
        var o = new XmlOutput();
        o.Open("fspool type='dir'");
        PoolXml.FormatIdentity(o, def);
        o.Open("source");
        o.EmptyElement("product", "name", def.Source.Product);
        o.Close("source");
        o.Open("target");
        o.Element("path", def.Target.Path);
        PermissionsXml.Format(o, def.Target.Permissions);
        o.Close("target");
        o.Close("fspool");
        return o.ToString();
    }
}
