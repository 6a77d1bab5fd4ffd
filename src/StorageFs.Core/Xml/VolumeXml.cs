using System.Globalization;
using System.Xml.Linq;
using StorageFs.Core.Model;
using StorageFs.Core.Units;

namespace StorageFs.Core.Xml;

/// <summary>
/// Reads and writes <c>&lt;volume&gt;</c> documents exactly as libvirt 9.0 does
/// (<c>virStorageVolDefParseXML</c>, <c>virStorageVolDefFormat</c> and
/// <c>virStorageVolTargetDefFormat</c>, src/conf/storage_conf.c), in the context of the
/// pool's type, which decides the accepted and default formats. Like libvirt it never reads
/// source extents, physical size or timestamps (they come from refreshes) and never writes
/// <c>&lt;nocow/&gt;</c>.
/// </summary>
public static class VolumeXml
{
    /// <summary>The document name used in parse error messages, as libvirt names it.</summary>
    public const string DocumentName = "(storage_volume_definition)";

    private static readonly string[] Types = ["file", "block", "dir", "network", "netdir", "ploop"];

    /// <summary>Parses a volume document for a pool of <paramref name="pool"/>'s type.</summary>
    /// <exception cref="StorageException">XmlError, ConfigUnsupported or InvalidArg with
    /// libvirt's message naming the element or attribute at fault.</exception>
    public static VolumeDefinition Parse(string xml, PoolDefinition pool, VolumeParseFlags flags = VolumeParseFlags.None)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return Parse(SafeXml.Load(xml, DocumentName), pool.TypeInfo, flags);
    }

    internal static VolumeDefinition Parse(XElement root, PoolTypeInfo info, VolumeParseFlags flags)
    {
        if (root.Name.LocalName != "volume")
        {
            throw LibvirtErrors.Xml($"unexpected root element <{root.Name.LocalName}>, expecting <volume>");
        }
        var def = new VolumeDefinition
        {
            Name = XmlQuery.String(root, "name") ?? throw LibvirtErrors.Xml("missing volume name element"),
            Key = XmlQuery.String(root, "key"),
        };
        var type = XmlQuery.AttrString(root, "type");
        if (type is not null)
        {
            int t = Array.IndexOf(Types, type);
            def.Type = t >= 0 ? (VolumeType)t : throw LibvirtErrors.Unsupported($"unknown volume type '{type}'");
        }

        var backingPath = XmlQuery.String(root, "backingStore", "path");
        if (backingPath is not null)
        {
            def.BackingStore = new VolumeBackingStore
            {
                Path = backingPath,
                Format = ParseFormat(root, info, "backingStore"),
                Permissions = PermissionsXml.Parse(root, "backingStore", "permissions"),
            };
        }

        var capacity = XmlQuery.String(root, "capacity");
        if (capacity is not null)
        {
            def.Capacity = SizeUnits.ParseXmlSize(capacity, XmlQuery.AttrString(root, "unit", "capacity"), "capacity");
        }
        else if ((flags & VolumeParseFlags.NoCapacity) == 0 &&
                 !((flags & VolumeParseFlags.OptCapacity) != 0 && def.BackingStore is not null))
        {
            throw LibvirtErrors.Xml("missing capacity element");
        }

        var allocation = XmlQuery.String(root, "allocation");
        if (allocation is not null)
        {
            def.Allocation = SizeUnits.ParseXmlSize(allocation, XmlQuery.AttrString(root, "unit", "allocation"), "allocation");
            def.HasAllocation = true;
        }
        else
        {
            def.Allocation = def.Capacity;
        }

        def.Target = ParseTarget(root, info);
        return def;
    }

    private static VolumeTarget ParseTarget(XElement root, PoolTypeInfo info)
    {
        var target = new VolumeTarget
        {
            Path = XmlQuery.String(root, "target", "path"),
            Format = ParseFormat(root, info, "target"),
            Permissions = PermissionsXml.Parse(root, "target", "permissions"),
        };
        var encryption = XmlQuery.Node(root, "target", "encryption");
        if (encryption is not null)
        {
            target.Encryption = EncryptionXml.Parse(encryption);
        }
        target.Compat = XmlQuery.String(root, "target", "compat");
        if (target.Compat is not null && !IsCompat(target.Compat))
        {
            throw LibvirtErrors.Xml("forbidden characters in 'compat' attribute");
        }
        target.NoCow = XmlQuery.Node(root, "target", "nocow") is not null;

        var cluster = XmlQuery.String(root, "target", "clusterSize");
        if (cluster is not null)
        {
            if (!CNumbers.TryULongNoSign(cluster, 10, out var bytes))
            {
                throw LibvirtErrors.Xml($"Invalid value '{cluster}' for element or attribute './target/clusterSize'");
            }
            var unit = XmlQuery.AttrString(root, "unit", "target", "clusterSize");
            target.ClusterSize = SizeUnits.ScaleXmlSize(bytes, unit, "clusterSize", ulong.MaxValue);
        }

        if (XmlQuery.Node(root, "target", "features") is not null)
        {
            target.Compat ??= "1.1";
            var features = VolumeFeatures.None;
            foreach (var feature in XmlQuery.Nodes(root, "target", "features").SelectMany(f => f.Elements()))
            {
                features |= feature.Name.LocalName switch
                {
                    "lazy_refcounts" => VolumeFeatures.LazyRefcounts,
                    "extended_l2" => VolumeFeatures.ExtendedL2,
                    var n => throw LibvirtErrors.Unsupported($"unsupported feature {n}"),
                };
            }
            target.Features = features;
        }
        return target;
    }

    private static string? ParseFormat(XElement root, PoolTypeInfo info, string parent)
    {
        if (info.VolumeFormats is null)
        {
            return null;
        }
        var format = XmlQuery.AttrString(root, "type", parent, "format");
        if (format is null)
        {
            return info.DefaultVolumeFormat;
        }
        return info.VolumeFormats.Contains(format)
            ? format
            : throw LibvirtErrors.Unsupported($"unknown volume format type {format}");
    }

    // virStorageCheckCompat: "N.M", each part an unsigned int.
    private static bool IsCompat(string compat)
    {
        int dot = compat.IndexOf('.');
        return dot >= 0 &&
               CNumbers.TryUInt(compat[..dot], 10, out _) &&
               CNumbers.TryUInt(compat[(dot + 1)..], 10, out _);
    }

    /// <summary>Formats a volume of a pool of <paramref name="pool"/>'s type.</summary>
    public static string Format(VolumeDefinition volume, PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(pool);
        return Format(volume, pool.TypeInfo);
    }

    internal static string Format(VolumeDefinition def, PoolTypeInfo info)
    {
        var o = new XmlOutput();
        o.Open($"volume type='{Types[(int)def.Type]}'");
        o.Element("name", def.Name);
        o.Element("key", def.Key);
        if (def.HasExtents)
        {
            FormatExtents(o, def.Extents);
        }
        o.Bytes("capacity", def.Capacity);
        o.Bytes("allocation", def.Allocation);
        if (def.Physical != 0)
        {
            o.Bytes("physical", def.Physical);
        }
        FormatTarget(o, def.Target, info);
        if (def.BackingStore is { } backing)
        {
            o.Open("backingStore");
            o.Element("path", backing.Path);
            if (info.VolumeFormats is not null)
            {
                o.EmptyElement("format", "type", backing.Format ?? info.DefaultVolumeFormat);
            }
            PermissionsXml.Format(o, backing.Permissions);
            FormatTimestamps(o, backing.Timestamps);
            o.Close("backingStore");
        }
        o.Close("volume");
        return o.ToString();
    }

    private static void FormatTarget(XmlOutput o, VolumeTarget target, PoolTypeInfo info)
    {
        o.Open("target");
        o.Element("path", target.Path);
        if (info.VolumeFormats is not null)
        {
            o.EmptyElement("format", "type", target.Format ?? info.DefaultVolumeFormat);
        }
        PermissionsXml.Format(o, target.Permissions);
        FormatTimestamps(o, target.Timestamps);
        if (target.Encryption is { } encryption)
        {
            EncryptionXml.Format(o, encryption);
        }
        o.Element("compat", target.Compat);
        if (target.ClusterSize > 0)
        {
            o.Line($"<clusterSize unit='B'>{target.ClusterSize.ToString(CultureInfo.InvariantCulture)}</clusterSize>");
        }
        if (target.Features is { } features)
        {
            if (features == VolumeFeatures.None)
            {
                o.Line("<features/>");
            }
            else
            {
                o.Open("features");
                if ((features & VolumeFeatures.LazyRefcounts) != 0)
                {
                    o.Line("<lazy_refcounts/>");
                }
                if ((features & VolumeFeatures.ExtendedL2) != 0)
                {
                    o.Line("<extended_l2/>");
                }
                o.Close("features");
            }
        }
        o.Close("target");
    }

    private static void FormatTimestamps(XmlOutput o, VolumeTimestamps? timestamps)
    {
        if (timestamps is { } ts)
        {
            o.Open("timestamps");
            FormatTimestamp(o, "atime", ts.Atime);
            FormatTimestamp(o, "mtime", ts.Mtime);
            FormatTimestamp(o, "ctime", ts.Ctime);
            FormatTimestamp(o, "btime", ts.Btime);
            o.Close("timestamps");
        }
    }

    private static void FormatTimestamp(XmlOutput o, string name, VolumeTimestamp? ts)
    {
        if (ts is not { } t || t.Nanoseconds < 0)
        {
            return;
        }
        var text = t.Nanoseconds != 0
            ? string.Create(CultureInfo.InvariantCulture, $"{t.Seconds}.{t.Nanoseconds:D9}")
            : t.Seconds.ToString(CultureInfo.InvariantCulture);
        o.Line($"<{name}>{text}</{name}>");
    }

    private static void FormatExtents(XmlOutput o, List<VolumeExtent> extents)
    {
        if (extents.Count == 0)
        {
            return;
        }
        o.Open("source");
        string? current = null;
        foreach (var extent in extents)
        {
            if (current is null || current != extent.DevicePath)
            {
                if (current is not null)
                {
                    o.Close("device");
                }
                o.Open($"device path='{LibvirtText.Escape(extent.DevicePath)}'");
            }
            o.Line(string.Create(CultureInfo.InvariantCulture, $"<extent start='{extent.Start}' end='{extent.End}'/>"));
            current = extent.DevicePath;
        }
        o.Close("device");
        o.Close("source");
    }
}
