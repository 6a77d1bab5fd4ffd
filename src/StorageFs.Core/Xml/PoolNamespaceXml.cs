using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// The backend namespaces of pool XML: <c>fs:mount_opts</c> (fs, netfs;
/// storage_backend_fs.c) and <c>rbd:config_opts</c> (rbd; storage_backend_rbd.c). Elements
/// are matched by namespace URI whatever prefix the document uses; output always uses the
/// prefixes fs and rbd, declared on <c>&lt;pool&gt;</c> only when options exist. StorageFs's own
/// <c>storagefs:cluster</c> (any pool type; docs/CLUSTER.md) follows the same rules.
/// </summary>
internal static class PoolNamespaceXml
{
    public const string FsUri = "http://libvirt.org/schemas/storagepool/fs/1.0";
    public const string RbdUri = "http://libvirt.org/schemas/storagepool/rbd/1.0";
    public const string ClusterUri = "urn:storagefs:cluster:1.0";

    public static void Parse(XElement root, PoolDefinition def)
    {
        ParseCluster(root, def);
        switch (def.TypeInfo.Namespace)
        {
            case PoolNamespace.Fs:
                foreach (var option in Options(root, FsUri, "mount_opts"))
                {
                    def.MountOptions.Add(XmlQuery.Prop(option, "name")
                        ?? throw LibvirtErrors.Xml("no fs mount option name specified"));
                }
                break;
            case PoolNamespace.Rbd:
                foreach (var option in Options(root, RbdUri, "config_opts"))
                {
                    var name = XmlQuery.Prop(option, "name")
                        ?? throw LibvirtErrors.Xml("no rbd option name specified");
                    if (name.Length == 0)
                    {
                        throw LibvirtErrors.Xml("empty rbd option name specified");
                    }
                    var value = XmlQuery.Prop(option, "value")
                        ?? throw LibvirtErrors.Xml($"no rbd option value specified for name '{name}'");
                    if (value.Length == 0)
                    {
                        throw LibvirtErrors.Xml($"empty rbd option value specified for name '{name}'");
                    }
                    def.RbdConfigOptions.Add(new RbdConfigOption(name, value));
                }
                break;
        }
    }

    private static void ParseCluster(XElement root, PoolDefinition def)
    {
        XNamespace ns = ClusterUri;
        var elements = root.Elements(ns + "cluster").ToList();
        if (elements.Count == 0)
        {
            return;
        }
        if (elements.Count > 1)
        {
            throw LibvirtErrors.Xml("only one storagefs:cluster element may be given");
        }
        var autostart = XmlQuery.Prop(elements[0], "autostart") ?? "no";
        def.Cluster = autostart switch
        {
            "yes" => new ClusterPoolSetting(Autostart: true),
            "no" => new ClusterPoolSetting(Autostart: false),
            _ => throw LibvirtErrors.Xml($"storagefs:cluster autostart must be 'yes' or 'no', not '{autostart}'"),
        };
    }

    /// <summary>The <c> xmlns:…</c> declarations for the root element, or "".</summary>
    public static string Declaration(PoolDefinition def) => (def.TypeInfo.Namespace switch
    {
        PoolNamespace.Fs when def.MountOptions.Count > 0 => $" xmlns:fs='{FsUri}'",
        PoolNamespace.Rbd when def.RbdConfigOptions.Count > 0 => $" xmlns:rbd='{RbdUri}'",
        _ => "",
    }) + (def.Cluster is null ? "" : $" xmlns:storagefs='{ClusterUri}'");

    public static void Format(XmlOutput o, PoolDefinition def)
    {
        if (def.Cluster is { } cluster)
        {
            o.Line($"<storagefs:cluster autostart='{(cluster.Autostart ? "yes" : "no")}'/>");
        }
        switch (def.TypeInfo.Namespace)
        {
            case PoolNamespace.Fs when def.MountOptions.Count > 0:
                o.Open("fs:mount_opts");
                foreach (var name in def.MountOptions)
                {
                    o.EmptyElement("fs:option", "name", name);
                }
                o.Close("fs:mount_opts");
                break;
            case PoolNamespace.Rbd when def.RbdConfigOptions.Count > 0:
                o.Open("rbd:config_opts");
                foreach (var option in def.RbdConfigOptions)
                {
                    o.Line($"<rbd:option name='{LibvirtText.Escape(option.Name)}' value='{LibvirtText.Escape(option.Value)}'/>");
                }
                o.Close("rbd:config_opts");
                break;
        }
    }

    private static IEnumerable<XElement> Options(XElement root, string uri, string container)
    {
        XNamespace ns = uri;
        return root.Elements(ns + container).SelectMany(c => c.Elements(ns + "option"));
    }
}
