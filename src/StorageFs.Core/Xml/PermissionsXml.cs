using System.Globalization;
using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// <c>&lt;permissions&gt;</c> read and written as libvirt's <c>virStorageDefParsePerms</c> and
/// the permission blocks of <c>virStoragePoolDefFormatBuf</c>/<c>virStorageVolTargetDefFormat</c>
/// (storage_conf.c): mode is octal and at most 0777; owner and group go through XPath
/// <c>number()</c> and must fit a uid_t, -1 meaning "not given"; the label is free text.
/// </summary>
internal static class PermissionsXml
{
    /// <summary>Reads the first <c>permissions</c> element reached by <paramref name="steps"/>.</summary>
    public static StoragePermissions Parse(XElement context, params string[] steps)
    {
        var perms = new StoragePermissions();
        var node = XmlQuery.Node(context, steps);
        if (node is null)
        {
            return perms;
        }

        var mode = XmlQuery.String(node, "mode");
        if (mode is not null)
        {
            if (!CNumbers.TryInt(mode, 8, out var m) || (m & ~0x1FF) != 0)
            {
                throw LibvirtErrors.Xml("malformed octal mode");
            }
            perms.Mode = (uint)m;
        }
        perms.Owner = ParseId(node, "owner");
        perms.Group = ParseId(node, "group");
        perms.Label = XmlQuery.String(node, "label");
        return perms;
    }

    private static uint? ParseId(XElement node, string name)
    {
        var element = XmlQuery.Node(node, name);
        if (element is null)
        {
            return null;
        }
        if (!CNumbers.TryXPathLongLong(element.Value, out var v) ||
            (v != -1 && (v < 0 || v > uint.MaxValue)))
        {
            throw LibvirtErrors.Xml($"malformed {name} element");
        }
        // -1 and (uid_t)-1 both mean "not given".
        return v == -1 || v == uint.MaxValue ? null : (uint)v;
    }

    /// <summary>Writes <c>&lt;permissions&gt;</c> when any field is set.</summary>
    public static void Format(XmlOutput o, StoragePermissions? perms)
    {
        if (perms is null || perms.IsEmpty)
        {
            return;
        }
        o.Open("permissions");
        if (perms.Mode is { } mode)
        {
            o.Line($"<mode>{LibvirtText.OctalMode(mode)}</mode>");
        }
        if (perms.Owner is { } owner)
        {
            o.Line($"<owner>{owner.ToString(CultureInfo.InvariantCulture)}</owner>");
        }
        if (perms.Group is { } group)
        {
            o.Line($"<group>{group.ToString(CultureInfo.InvariantCulture)}</group>");
        }
        o.Element("label", perms.Label);
        o.Close("permissions");
    }
}
