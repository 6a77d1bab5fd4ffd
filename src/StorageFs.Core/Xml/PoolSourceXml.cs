using System.Globalization;
using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// A pool's <c>&lt;source&gt;</c> as <c>virStoragePoolDefParseSource</c> and
/// <c>virStoragePoolSourceFormat</c> (src/conf/storage_conf.c) read and write it: every part is
/// read for every type, only the parts the type uses are written, in the fixed order host,
/// device, dir, adapter, name, initiator, format, auth, protocol, vendor, product.
/// Free extents are never read (they come from a refresh).
/// </summary>
internal static class PoolSourceXml
{
    public static PoolSource Parse(XElement node, PoolTypeInfo info)
    {
        var source = new PoolSource { Name = XmlQuery.String(node, "name") };
        if (info.Type == PoolType.Rbd && source.Name is null)
        {
            throw LibvirtErrors.Xml("element 'name' is mandatory for RBD pool");
        }

        if (info.HasSourceFormat)
        {
            var format = XmlQuery.AttrString(node, "type", "format");
            if (format is not null && !info.SourceFormats.Contains(format))
            {
                throw LibvirtErrors.Unsupported($"unknown pool format type {format}");
            }
            source.Format = format ?? info.DefaultSourceFormat;
        }

        foreach (var host in XmlQuery.Nodes(node, "host"))
        {
            var name = XmlQuery.Prop(host, "name")
                ?? throw LibvirtErrors.Xml("missing storage pool host name");
            int port = 0;
            var portText = XmlQuery.Prop(host, "port");
            if (portText is not null && !CNumbers.TryInt(portText, 10, out port))
            {
                throw LibvirtErrors.Xml(
                    $"Invalid value for attribute 'port' in element 'host': '{portText}'. Expected integer value");
            }
            source.Hosts.Add(new PoolSourceHost { Name = name, Port = port });
        }

        source.InitiatorIqn = XmlQuery.AttrString(node, "name", "initiator", "iqn");

        foreach (var device in XmlQuery.Nodes(node, "device"))
        {
            var path = XmlQuery.Prop(device, "path")
                ?? throw LibvirtErrors.Xml("missing storage pool source device path");
            var separator = XmlQuery.Prop(device, "part_separator") switch
            {
                null => TristateBool.Absent,
                "yes" => TristateBool.Yes,
                "no" => TristateBool.No,
                var v => throw LibvirtErrors.InvalidAttribute("part_separator", "device", v),
            };
            source.Devices.Add(new PoolSourceDevice { Path = path, PartSeparator = separator });
        }

        var dir = XmlQuery.AttrString(node, "path", "dir");
        source.Dir = dir is null ? null : LibvirtText.SanitizePath(dir);
        if (source.Dir is null && info.Type == PoolType.Gluster)
        {
            source.Dir = "/";
        }

        var adapter = XmlQuery.Node(node, "adapter");
        if (adapter is not null)
        {
            source.Adapter = AdapterXml.Parse(adapter);
        }

        var auth = XmlQuery.Node(node, "auth");
        if (auth is not null)
        {
            source.Auth = SecretXml.ParseAuth(auth);
            if (source.Auth.Type == AuthType.None)
            {
                throw LibvirtErrors.Unsupported("storage pool missing auth type");
            }
        }

        var ver = XmlQuery.AttrString(node, "ver", "protocol");
        if (ver is not null)
        {
            // libvirt compares the format's enum value with netfs' auto (0) and nfs (1).
            int index = info.HasSourceFormat ? IndexOf(info.SourceFormats, source.Format!) : 0;
            if (index > 1)
            {
                throw LibvirtErrors.Unsupported(
                    $"storage pool protocol ver unsupported for pool type '{source.Format}'");
            }
            if (ver.Contains(','))
            {
                throw LibvirtErrors.Xml($"storage pool protocol ver '{ver}' must not contain ','");
            }
            source.ProtocolVersion = ver;
        }

        source.Vendor = XmlQuery.AttrString(node, "name", "vendor");
        source.Product = XmlQuery.AttrString(node, "name", "product");
        return source;
    }

    public static void Format(XmlOutput o, PoolSource src, PoolTypeInfo info)
    {
        o.Open("source");
        var parts = info.Parts;
        if ((parts & PoolSourceParts.Host) != 0)
        {
            foreach (var host in src.Hosts)
            {
                var port = host.Port != 0 ? $" port='{host.Port.ToString(CultureInfo.InvariantCulture)}'" : "";
                o.Line($"<host name='{LibvirtText.Escape(host.Name)}'{port}/>");
            }
        }
        if ((parts & PoolSourceParts.Device) != 0)
        {
            foreach (var device in src.Devices)
            {
                FormatDevice(o, device);
            }
        }
        if ((parts & PoolSourceParts.Dir) != 0)
        {
            o.EmptyElement("dir", "path", src.Dir);
        }
        if ((parts & PoolSourceParts.Adapter) != 0 && src.Adapter is { } adapter)
        {
            AdapterXml.Format(o, adapter);
        }
        if ((parts & PoolSourceParts.Name) != 0)
        {
            o.Element("name", src.Name);
        }
        if ((parts & PoolSourceParts.InitiatorIqn) != 0 && src.InitiatorIqn is not null)
        {
            o.Open("initiator");
            o.EmptyElement("iqn", "name", src.InitiatorIqn);
            o.Close("initiator");
        }
        if (info.HasSourceFormat)
        {
            o.EmptyElement("format", "type", src.Format ?? info.DefaultSourceFormat);
        }
        if (src.Auth is { } auth)
        {
            SecretXml.FormatAuth(o, auth);
        }
        o.EmptyElement("protocol", "ver", src.ProtocolVersion);
        o.EmptyElement("vendor", "name", src.Vendor);
        o.EmptyElement("product", "name", src.Product);
        o.Close("source");
    }

    private static void FormatDevice(XmlOutput o, PoolSourceDevice device)
    {
        var head = $"<device path='{LibvirtText.Escape(device.Path)}'";
        if (device.PartSeparator != TristateBool.Absent)
        {
            head += $" part_separator='{(device.PartSeparator == TristateBool.Yes ? "yes" : "no")}'";
        }
        if (device.FreeExtents.Count == 0)
        {
            o.Line(head + "/>");
            return;
        }
        o.Line(head + ">");
        o.Indent();
        foreach (var extent in device.FreeExtents)
        {
            o.Line(string.Create(CultureInfo.InvariantCulture, $"<freeExtent start='{extent.Start}' end='{extent.End}'/>"));
        }
        o.Dedent();
        o.Line("</device>");
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }
        return -1;
    }
}
