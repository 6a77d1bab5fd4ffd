using System.Xml.Linq;
using StorageFs.Core.Secrets;

namespace StorageFs.Core.Xml;

/// <summary>
/// Reads and writes <c>&lt;secret&gt;</c> documents as libvirt 9.0's secret driver does
/// (<c>secretXMLParseNode</c>, <c>virSecretDefParseUsage</c>, <c>virSecretDefFormat</c>,
/// src/conf/secret_conf.c): <c>ephemeral</c> and <c>private</c> yes/no (default no), the UUID
/// generated when absent, an optional description, and at most one usage. Output is
/// <c>virsh secret-dumpxml</c>'s byte for byte: both attributes always written, then uuid,
/// description and usage.
/// </summary>
public static class SecretDefinitionXml
{
    /// <summary>The document name used in parse error messages.</summary>
    public const string DocumentName = "(definition_of_secret)";

    /// <summary>Parses a secret document.</summary>
    /// <exception cref="StorageException">XmlError naming what is wrong (a malformed UUID too,
    /// which libvirt reports as an internal error: it is bad input, EINVAL here).</exception>
    public static SecretDefinition Parse(string xml)
    {
        var root = SafeXml.Load(xml, DocumentName);
        if (root.Name.LocalName != "secret" || root.Name.NamespaceName.Length != 0)
        {
            throw LibvirtErrors.Xml($"expecting root element of 'secret', not '{root.Name.LocalName}'");
        }
        bool ephemeral = YesNo(root, "ephemeral");
        bool isPrivate = YesNo(root, "private");
        Guid uuid;
        var uuidText = XmlQuery.String(root, "uuid");
        if (uuidText is null)
        {
            uuid = Guid.NewGuid();
        }
        else if (!LibvirtText.TryParseUuid(uuidText, out uuid))
        {
            throw LibvirtErrors.Xml("malformed uuid element");
        }
        var (type, id) = XmlQuery.Node(root, "usage") is null ? (SecretUsageType.None, null) : ParseUsage(root);
        return new SecretDefinition
        {
            Uuid = uuid,
            Ephemeral = ephemeral,
            Private = isPrivate,
            Description = XmlQuery.String(root, "description"),
            UsageType = type,
            UsageId = id,
        };
    }

    /// <summary>Formats a secret as <c>virsh secret-dumpxml</c> prints it.</summary>
    public static string Format(SecretDefinition secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var o = new XmlOutput();
        o.Line($"<secret ephemeral='{(secret.Ephemeral ? "yes" : "no")}' private='{(secret.Private ? "yes" : "no")}'>");
        o.Indent();
        o.Element("uuid", LibvirtText.FormatUuid(secret.Uuid));
        o.Element("description", secret.Description);
        if (secret.UsageType != SecretUsageType.None)
        {
            o.Line($"<usage type='{secret.UsageType.ToXml()}'>");
            o.Indent();
            o.Element(UsageElement(secret.UsageType), secret.UsageId);
            o.Dedent();
            o.Line("</usage>");
        }
        o.Dedent();
        o.Line("</secret>");
        return o.ToString();
    }

    private static (SecretUsageType, string?) ParseUsage(XElement root)
    {
        var typeText = XmlQuery.AttrString(root, "type", "usage")
            ?? throw LibvirtErrors.Xml("unknown secret usage type");
        if (!SecretUsageTypes.TryParse(typeText, out var type))
        {
            throw LibvirtErrors.Xml($"unknown secret usage type {typeText}");
        }
        if (type == SecretUsageType.None)
        {
            return (type, null);
        }
        var id = XmlQuery.String(root, "usage", UsageElement(type));
        return id is not null ? (type, id) : throw LibvirtErrors.Xml(type switch
        {
            SecretUsageType.Volume => "volume usage specified, but volume path is missing",
            SecretUsageType.Ceph => "Ceph usage specified, but name is missing",
            SecretUsageType.Iscsi => "iSCSI usage specified, but target is missing",
            SecretUsageType.Tls => "TLS usage specified, but name is missing",
            _ => "vTPM usage specified, but name is missing",
        });
    }

    private static string UsageElement(SecretUsageType type) => type switch
    {
        SecretUsageType.Volume => "volume",
        SecretUsageType.Iscsi => "target",
        _ => "name",
    };

    // virStringParseYesNo on string(./@attr): absent or empty means no.
    private static bool YesNo(XElement root, string attribute) => XmlQuery.AttrString(root, attribute) switch
    {
        null => false,
        "yes" => true,
        "no" => false,
        _ => throw LibvirtErrors.Xml($"invalid value of '{attribute}'"),
    };
}
