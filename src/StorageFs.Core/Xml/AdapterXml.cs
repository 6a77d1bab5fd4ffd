using System.Globalization;
using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// A scsi pool's <c>&lt;adapter&gt;</c> as src/conf/storage_adapter_conf.c reads, checks and
/// writes it: the legacy form (name only, no type) becomes scsi_host; scsi_host takes a name
/// or a <c>&lt;parentaddr unique_id&gt;&lt;address …/&gt;</c>; fc_host needs 16-hex-digit
/// wwnn and wwpn and pairs parent_wwnn with parent_wwpn. The PCI address follows
/// <c>virPCIDeviceAddressParseXML</c>/<c>…Format</c> (src/conf/device_conf.c).
/// </summary>
internal static class AdapterXml
{
    public static StorageAdapter Parse(XElement node)
    {
        var adapter = new StorageAdapter();
        var type = XmlQuery.Prop(node, "type");
        if (type is null)
        {
            if (XmlQuery.Prop(node, "wwnn") is not null || XmlQuery.Prop(node, "wwpn") is not null ||
                XmlQuery.Prop(node, "parent") is not null)
            {
                throw LibvirtErrors.Xml("Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'");
            }
            if (XmlQuery.Node(node, "parentaddr") is not null)
            {
                throw LibvirtErrors.Xml("Use of 'parentaddr' element requires use of the adapter 'type'");
            }
            adapter.Name = XmlQuery.Prop(node, "name");
            adapter.Type = adapter.Name is null ? AdapterType.Default : AdapterType.ScsiHost;
            return adapter;
        }

        adapter.Type = type switch
        {
            "scsi_host" => AdapterType.ScsiHost,
            "fc_host" => AdapterType.FcHost,
            _ => throw LibvirtErrors.InvalidAttribute("type", "adapter", type),
        };
        if (adapter.Type == AdapterType.FcHost)
        {
            adapter.Managed = ParseTristate(node, "managed");
            adapter.Parent = XmlQuery.Prop(node, "parent");
            adapter.ParentWwnn = XmlQuery.Prop(node, "parent_wwnn");
            adapter.ParentWwpn = XmlQuery.Prop(node, "parent_wwpn");
            adapter.ParentFabricWwn = XmlQuery.Prop(node, "parent_fabric_wwn");
            adapter.Wwpn = XmlQuery.Prop(node, "wwpn");
            adapter.Wwnn = XmlQuery.Prop(node, "wwnn");
            return adapter;
        }

        adapter.Name = XmlQuery.Prop(node, "name");
        if (XmlQuery.Node(node, "parentaddr") is not null)
        {
            var address = XmlQuery.Node(node, "parentaddr", "address")
                ?? throw LibvirtErrors.Xml("Missing scsi_host PCI address element");
            adapter.ParentAddress = ParsePci(address);
            var uniqueId = XmlQuery.AttrString(node, "unique_id", "parentaddr");
            if (uniqueId is null || !CNumbers.TryInt(uniqueId, 10, out var id) || id < 0)
            {
                throw LibvirtErrors.Xml("Missing or invalid scsi adapter 'unique_id' value");
            }
            adapter.UniqueId = id;
        }
        return adapter;
    }

    /// <summary><c>virStorageAdapterValidate</c>: run for pool types that use an adapter.</summary>
    public static void Validate(StorageAdapter? adapter)
    {
        if (adapter is null || adapter.Type == AdapterType.Default)
        {
            throw LibvirtErrors.Xml("missing storage pool source adapter");
        }
        if (adapter.Type == AdapterType.FcHost)
        {
            if (adapter.Wwnn is null || adapter.Wwpn is null)
            {
                throw LibvirtErrors.Xml("'wwnn' and 'wwpn' must be specified for adapter type 'fchost'");
            }
            CheckWwn(adapter.Wwnn, "wwnn");
            CheckWwn(adapter.Wwpn, "wwpn");
            if (adapter.ParentWwnn is not null && adapter.ParentWwpn is null)
            {
                throw LibvirtErrors.Xml($"when providing parent_wwnn='{adapter.ParentWwnn}', the parent_wwpn must also be provided");
            }
            if (adapter.ParentWwnn is null && adapter.ParentWwpn is not null)
            {
                throw LibvirtErrors.Xml($"when providing parent_wwpn='{adapter.ParentWwpn}', the parent_wwnn must also be provided");
            }
            CheckWwn(adapter.ParentWwnn, "parent_wwnn");
            CheckWwn(adapter.ParentWwpn, "parent_wwpn");
            CheckWwn(adapter.ParentFabricWwn, "parent_fabric_wwn");
            return;
        }
        if (adapter.Name is null && adapter.ParentAddress is null)
        {
            throw LibvirtErrors.Xml("Either 'name' or 'parent' must be specified for the 'scsi_host' adapter");
        }
        if (adapter.Name is not null && adapter.ParentAddress is not null)
        {
            throw LibvirtErrors.Xml("Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter");
        }
    }

    public static void Format(XmlOutput o, StorageAdapter adapter)
    {
        if (adapter.Type == AdapterType.FcHost)
        {
            var line = "<adapter type='fc_host'" +
                Attr("parent", adapter.Parent) + Attr("parent_wwnn", adapter.ParentWwnn) +
                Attr("parent_wwpn", adapter.ParentWwpn) + Attr("parent_fabric_wwn", adapter.ParentFabricWwn);
            if (adapter.Managed != TristateBool.Absent)
            {
                line += $" managed='{(adapter.Managed == TristateBool.Yes ? "yes" : "no")}'";
            }
            o.Line(line + $" wwnn='{LibvirtText.Escape(adapter.Wwnn ?? "")}' wwpn='{LibvirtText.Escape(adapter.Wwpn ?? "")}'/>");
            return;
        }
        if (adapter.Type != AdapterType.ScsiHost)
        {
            return;
        }
        if (adapter.Name is not null)
        {
            // libvirt prints the name unescaped; escaping keeps odd names well-formed.
            o.Line($"<adapter type='scsi_host' name='{LibvirtText.Escape(adapter.Name)}'/>");
            return;
        }
        var a = adapter.ParentAddress ?? default;
        o.Open("adapter type='scsi_host'");
        o.Open($"parentaddr unique_id='{adapter.UniqueId.ToString(CultureInfo.InvariantCulture)}'");
        o.Line(string.Create(CultureInfo.InvariantCulture,
            $"<address domain='0x{a.Domain:x4}' bus='0x{a.Bus:x2}' slot='0x{a.Slot:x2}' function='0x{a.Function}'/>"));
        o.Close("parentaddr");
        o.Close("adapter");
    }

    private static PciAddress ParsePci(XElement node)
    {
        uint Field(string name)
        {
            var text = XmlQuery.Prop(node, name);
            if (text is null)
            {
                return 0;
            }
            if (!CNumbers.TryUIntNoSign(text, 0, out var v))
            {
                throw LibvirtErrors.Xml(
                    $"Invalid value for attribute '{name}' in element 'address': '{text}'. Expected non-negative integer value");
            }
            return v;
        }

        var address = new PciAddress(Field("domain"), Field("bus"), Field("slot"), Field("function"));
        if (address.Domain == 0 && address.Bus == 0 && address.Slot == 0)
        {
            return address;
        }
        if (address.Domain > 0xFFFF)
        {
            throw LibvirtErrors.Xml($"Invalid PCI address domain='0x{address.Domain:x}', must be <= 0xFFFF");
        }
        if (address.Bus > 0xFF)
        {
            throw LibvirtErrors.Xml($"Invalid PCI address bus='0x{address.Bus:x}', must be <= 0xFF");
        }
        if (address.Slot > 0x1F)
        {
            throw LibvirtErrors.Xml($"Invalid PCI address slot='0x{address.Slot:x}', must be <= 0x1F");
        }
        if (address.Function > 7)
        {
            throw LibvirtErrors.Xml($"Invalid PCI address function=0x{address.Function:x}, must be <= 7");
        }
        return address;
    }

    /// <summary><c>virXMLPropTristateBool</c> on an attribute of <c>&lt;adapter&gt;</c>.</summary>
    private static TristateBool ParseTristate(XElement node, string name) =>
        XmlQuery.Prop(node, name) switch
        {
            null => TristateBool.Absent,
            "yes" => TristateBool.Yes,
            "no" => TristateBool.No,
            var v => throw LibvirtErrors.InvalidAttribute(name, node.Name.LocalName, v),
        };

    // virValidateWWN: optional "0x", then exactly 16 hex digits.
    private static void CheckWwn(string? wwn, string attribute)
    {
        if (wwn is null)
        {
            return;
        }
        var p = wwn.StartsWith("0x", StringComparison.Ordinal) ? wwn[2..] : wwn;
        if (p.Length != 16 || !p.All(char.IsAsciiHexDigit))
        {
            throw LibvirtErrors.Xml($"Malformed wwn: {wwn} (attribute '{attribute}' of element 'adapter')");
        }
    }

    private static string Attr(string name, string? value) =>
        value is null ? "" : $" {name}='{LibvirtText.Escape(value)}'";
}
