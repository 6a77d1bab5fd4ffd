using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// Reads and writes <c>&lt;pool&gt;</c> documents exactly as libvirt 9.0 does
/// (<c>virStoragePoolDefParseXML</c> and <c>virStoragePoolDefFormatBuf</c>,
/// src/conf/storage_conf.c): the same defaults, the same checks in the same order, the same
/// messages, and byte-for-byte the same output (two-space indentation, single-quoted
/// attributes, sizes as <c>unit='bytes'</c>, libvirt's element order, trailing newline).
/// Unknown elements are ignored, as libvirt ignores them without schema validation.
/// </summary>
public static class PoolXml
{
    /// <summary>The document name used in parse error messages, as libvirt names it.</summary>
    public const string DocumentName = "(storage_pool_definition)";

    /// <summary>Parses a pool document.</summary>
    /// <exception cref="StorageException">XmlError, ConfigUnsupported or NoSupport with
    /// libvirt's message naming the element or attribute at fault.</exception>
    public static PoolDefinition Parse(string xml) => Parse(SafeXml.Load(xml, DocumentName));

    internal static PoolDefinition Parse(XElement root)
    {
        if (root.Name.LocalName != "pool")
        {
            throw LibvirtErrors.Xml($"unexpected root element <{root.Name.LocalName}>, expecting <pool>");
        }
        var typeText = XmlQuery.Prop(root, "type") ?? throw LibvirtErrors.MissingAttribute("type", "pool");
        if (!PoolTypes.TryParse(typeText, out var type))
        {
            throw LibvirtErrors.Xml(
                $"unknown storage pool type '{typeText}' (attribute 'type' of element 'pool' must be one of " +
                string.Join(", ", PoolTypes.All.Select(t => t.XmlName)) + ")");
        }
        var def = new PoolDefinition { Type = type };
        var info = def.TypeInfo;

        var sourceNode = XmlQuery.Node(root, "source");
        if (sourceNode is not null)
        {
            def.Source = PoolSourceXml.Parse(sourceNode, info);
        }
        else if (info.HasSourceFormat)
        {
            def.Source.Format = info.DefaultSourceFormat;
        }

        ParseIdentity(root, def, (info.Parts & PoolSourceParts.Name) != 0 ? def.Source.Name : null);
        def.Cow = ParseCow(root, type);
        CheckRequiredSource(def, info);

        if (info.HasTarget)
        {
            var targetPath = type switch
            {
                PoolType.Logical => "/dev/" + def.Source.Name,
                PoolType.Zfs => "/dev/zvol/" + def.Source.Name,
                _ => XmlQuery.String(root, "target", "path")
                     ?? throw LibvirtErrors.Xml("missing storage pool target path"),
            };
            def.Target.Path = LibvirtText.SanitizePath(targetPath);
            def.Target.Permissions = PermissionsXml.Parse(root, "target", "permissions");
        }

        if (type == PoolType.IscsiDirect && def.Source.InitiatorIqn is null)
        {
            throw LibvirtErrors.Unsupported("missing initiator IQN");
        }

        var allocation = XmlQuery.AttrString(root, "allocation", "refresh", "volume");
        if (allocation is not null)
        {
            def.RefreshVolumeAllocation = allocation switch
            {
                "default" => PoolRefreshAllocation.Default,
                "capacity" => PoolRefreshAllocation.Capacity,
                _ => throw LibvirtErrors.Unsupported(
                    $"unknown storage pool volume refresh allocation type {allocation}"),
            };
        }

        PoolNamespaceXml.Parse(root, def);
        return def;
    }

    /// <summary>Formats a pool definition as libvirt's <c>virStoragePoolDefFormat</c> does.</summary>
    public static string Format(PoolDefinition def)
    {
        ArgumentNullException.ThrowIfNull(def);
        var o = new XmlOutput();
        Format(o, def);
        return o.ToString();
    }

    internal static void Format(XmlOutput o, PoolDefinition def)
    {
        var info = def.TypeInfo;
        o.Open($"pool type='{info.XmlName}'{PoolNamespaceXml.Declaration(def)}");
        FormatIdentity(o, def);
        if (def.Cow != TristateBool.Absent)
        {
            o.Open("features");
            o.Line($"<cow state='{(def.Cow == TristateBool.Yes ? "yes" : "no")}'/>");
            o.Close("features");
        }
        PoolSourceXml.Format(o, def.Source, info);
        if (info.HasTarget)
        {
            o.Open("target");
            o.Element("path", def.Target.Path);
            PermissionsXml.Format(o, def.Target.Permissions);
            o.Close("target");
        }
        if (def.RefreshVolumeAllocation is { } refresh)
        {
            o.Open("refresh");
            o.Line($"<volume allocation='{(refresh == PoolRefreshAllocation.Capacity ? "capacity" : "default")}'/>");
            o.Close("refresh");
        }
        PoolNamespaceXml.Format(o, def);
        o.Close("pool");
    }

    internal static Guid ParseUuid(XElement root)
    {
        var uuid = XmlQuery.String(root, "uuid");
        if (uuid is null)
        {
            return Guid.NewGuid();
        }
        return LibvirtText.TryParseUuid(uuid, out var guid)
            ? guid
            : throw LibvirtErrors.Xml("malformed uuid element");
    }

    /// <summary>The name (else <paramref name="fallbackName"/>, a pool's source name where its
    /// type allows) and the UUID, as every pool of objects has them.</summary>
    internal static void ParseIdentity(XElement root, PoolDefinitionBase def, string? fallbackName = null)
    {
        var name = XmlQuery.String(root, "name") ?? fallbackName ?? throw LibvirtErrors.Xml("missing pool source name element");
        if (name.Contains('/'))
        {
            throw LibvirtErrors.Xml($"name {name} cannot contain '/'");
        }
        def.Name = name;
        def.Uuid = ParseUuid(root);
    }

    /// <summary>name, uuid, capacity, allocation, available: the head every pool of objects writes.</summary>
    internal static void FormatIdentity(XmlOutput o, PoolDefinitionBase def)
    {
        o.Element("name", def.Name);
        o.Line($"<uuid>{LibvirtText.FormatUuid(def.Uuid)}</uuid>");
        o.Bytes("capacity", def.Capacity);
        o.Bytes("allocation", def.Allocation);
        o.Bytes("available", def.Available);
    }

    private static TristateBool ParseCow(XElement root, PoolType type)
    {
        var cow = XmlQuery.Node(root, "features", "cow");
        var state = cow is null ? null : XmlQuery.Prop(cow, "state");
        if (state is null)
        {
            return TristateBool.Absent;
        }
        var value = state switch
        {
            "yes" => TristateBool.Yes,
            "no" => TristateBool.No,
            _ => throw LibvirtErrors.InvalidAttribute("state", "cow", state),
        };
        if (type != PoolType.Fs && type != PoolType.Dir)
        {
            throw LibvirtErrors.NoSupport("cow feature may only be used for 'fs' and 'dir' pools");
        }
        return value;
    }

    private static void CheckRequiredSource(PoolDefinition def, PoolTypeInfo info)
    {
        var parts = info.Parts;
        if ((parts & PoolSourceParts.Host) != 0 && def.Source.Hosts.Count == 0)
        {
            throw LibvirtErrors.Xml("missing storage pool source host name");
        }
        if ((parts & PoolSourceParts.Dir) != 0 && def.Source.Dir is null)
        {
            throw LibvirtErrors.Xml("missing storage pool source path");
        }
        if ((parts & PoolSourceParts.Name) != 0)
        {
            def.Source.Name ??= def.Name;
        }
        if ((parts & PoolSourceParts.Adapter) != 0)
        {
            AdapterXml.Validate(def.Source.Adapter);
        }
        if (parts == PoolSourceParts.Device && def.Source.Devices.Count == 0)
        {
            throw LibvirtErrors.Xml("missing storage pool source device name");
        }
    }
}
