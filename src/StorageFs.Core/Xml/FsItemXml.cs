using System.Xml.Linq;
using StorageFs.Core.Model;
using StorageFs.Core.Units;

namespace StorageFs.Core.Xml;

/// <summary>
/// Reads and writes <c>&lt;fsitem&gt;</c> documents, the items of a dir fspool, after the 2016
/// libvirt fspool series (<c>virFSItemDefParseXML</c>/<c>virFSItemDefFormat</c>, fs_conf.c,
/// whose root element <c>&lt;item&gt;</c> is accepted too): name required, key, capacity
/// (required unless the flags allow otherwise) and allocation with libvirt's units, target
/// path and permissions. StorageFs writes the root as <c>&lt;fsitem&gt;</c> and adds
/// <c>&lt;format type='dir'/&gt;</c> (the only item format) and the path when known.
/// </summary>
public static class FsItemXml
{
    /// <summary>The document name used in parse error messages.</summary>
    public const string DocumentName = "(fspool_item_definition)";

    /// <summary>Parses an item document of <paramref name="pool"/>.</summary>
    /// <exception cref="StorageException">XmlError, ConfigUnsupported or InvalidArg naming the
    /// element at fault.</exception>
    public static FsItemDefinition Parse(string xml, FsPoolDefinition pool, VolumeParseFlags flags = VolumeParseFlags.None)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return Parse(SafeXml.Load(xml, DocumentName), flags);
    }

    internal static FsItemDefinition Parse(XElement root, VolumeParseFlags flags)
    {
        if (root.Name.LocalName is not ("fsitem" or "item"))
        {
            throw LibvirtErrors.Xml($"unexpected root element <{root.Name.LocalName}>, expecting <fsitem>");
        }
        var def = new FsItemDefinition
        {
            Name = XmlQuery.String(root, "name") ?? throw LibvirtErrors.Xml("missing item name element"),
            Key = XmlQuery.String(root, "key"),
        };
        var type = XmlQuery.AttrString(root, "type");
        if (type is not null && type != "dir")
        {
            throw LibvirtErrors.Unsupported($"unknown item type '{type}'");
        }

        var capacity = XmlQuery.String(root, "capacity");
        if (capacity is not null)
        {
            def.Capacity = SizeUnits.ParseXmlSize(capacity, XmlQuery.AttrString(root, "unit", "capacity"), "capacity");
        }
        else if ((flags & (VolumeParseFlags.NoCapacity | VolumeParseFlags.OptCapacity)) == 0)
        {
            throw LibvirtErrors.Xml("missing capacity element");
        }
        var allocation = XmlQuery.String(root, "allocation");
        def.Allocation = allocation is null
            ? def.Capacity
            : SizeUnits.ParseXmlSize(allocation, XmlQuery.AttrString(root, "unit", "allocation"), "allocation");

        def.Path = XmlQuery.String(root, "target", "path");
        var format = XmlQuery.AttrString(root, "type", "target", "format");
        if (format is not null && format != "dir")
        {
            throw LibvirtErrors.Unsupported($"unknown item format type {format} (an fspool item is always a 'dir')");
        }
        def.Permissions = PermissionsXml.Parse(root, "target", "permissions");
        return def;
    }

    /// <summary>Formats an item of a dir fspool.</summary>
    public static string Format(FsItemDefinition item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var o = new XmlOutput();
        o.Open("fsitem");
        o.Element("name", item.Name);
        o.Element("key", item.Key);
        o.Bytes("capacity", item.Capacity);
        o.Bytes("allocation", item.Allocation);
        o.Open("target");
        o.Element("path", item.Path);
        o.Line("<format type='dir'/>");
        PermissionsXml.Format(o, item.Permissions);
        o.Close("target");
        o.Close("fsitem");
        return o.ToString();
    }
}
