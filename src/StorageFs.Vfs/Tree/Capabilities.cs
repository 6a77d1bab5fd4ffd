using System.Text;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>capabilities</c>: libvirt's <c>&lt;storagepoolCapabilities&gt;</c> document
/// (virsh pool-capabilities; schema storagepoolcaps.rng): every pool type, whether this host
/// can run it (a backend exists and its <see cref="IPoolBackend.Availability()"/> is runnable:
/// tools on PATH, kernel features), and the volume formats it creates; then the fspool types.
/// Why a type is not supported here, or what is limited, is an XML comment inside its
/// <c>&lt;pool&gt;</c> element: RELAX NG ignores comments, so the document still validates
/// against libvirt's schema and libvirt's parsers skip it, while a human reading the file sees
/// the reason where the answer is. A supported type with a source format has libvirt's
/// <c>&lt;poolOptions&gt;</c> (its default and accepted <c>&lt;source&gt;&lt;format&gt;</c> values,
/// fs adding btrfs) with a comment inside naming the <c>&lt;source&gt;</c> elements it uses; the
/// document opens with a comment naming the directories pool targets must lie in. An unsupported
/// type shows no options.
/// </summary>
internal static class Capabilities
{
    public static string Render(StorageDriver driver)
    {
        var sb = new StringBuilder("<storagepoolCapabilities>\n");
        var policy = driver.Policy;
        sb.Append("  <!-- ").Append(CommentText("pool and fspool targets must lie in: " + string.Join(", ", policy.AllowedDirectories)
            + (policy.ReservedDirectories.Count > 0 ? "; never in or over: " + string.Join(", ", policy.ReservedDirectories) : "")))
            .Append(" -->\n");
        foreach (PoolTypeInfo t in PoolTypes.All)
        {
            var backend = driver.Backends.Find(t.Type);
            var availability = backend?.Availability();
            bool supported = availability is { Runnable: true };
            string? note = availability switch
            {
                null => "StorageFs has no backend for this pool type",
                { Runnable: false } => "not available on this host: " + availability.Reason,
                { Limited: true } => "limited on this host: " + availability.Reason,
                _ => null,
            };
            var caps = backend?.Capabilities;
            var formats = supported ? backend!.CreatableVolumeFormats() : [];
            bool options = formats.Count > 0;
            bool poolOptions = supported && t.HasSourceFormat;
            sb.Append("  <pool type='").Append(t.XmlName).Append("' supported='").Append(supported ? "yes" : "no").Append('\'');
            if (note is null && !options && !poolOptions)
            {
                sb.Append("/>\n");
                continue;
            }
            sb.Append(">\n");
            if (note is not null)
                sb.Append("    <!-- ").Append(CommentText(note)).Append(" -->\n");
            if (poolOptions)
            {
                // libvirt's virStoragePoolCapsFormatPool: the default source format, then every
                // <source><format type> value the type accepts (storage_conf.c poolTypeInfo[]).
                sb.Append("    <poolOptions>\n");
                if (SourceParts(t.Parts) is { } source)
                    sb.Append("      <!-- ").Append(CommentText(source)).Append(" -->\n");
                if (t.DefaultSourceFormat is not null)
                    sb.Append("      <defaultFormat type='").Append(t.DefaultSourceFormat).Append("'/>\n");
                sb.Append("      <enum name='sourceFormatType'>\n");
                foreach (string f in t.SourceFormats)
                    sb.Append("        <value>").Append(f).Append("</value>\n");
                sb.Append("      </enum>\n    </poolOptions>\n");
            }
            if (options)
            {
                sb.Append("    <volOptions>\n");
                if (caps!.DefaultVolumeFormat is not null)
                    sb.Append("      <defaultFormat type='").Append(caps.DefaultVolumeFormat).Append("'/>\n");
                sb.Append("      <enum name='targetFormatType'>\n");
                foreach (string f in formats)
                    sb.Append("        <value>").Append(f).Append("</value>\n");
                sb.Append("      </enum>\n    </volOptions>\n");
            }
            sb.Append("  </pool>\n");
        }
        foreach (var fs in driver.Backends.FsPoolCapabilities)
            sb.Append("  <fspool type='").Append(fs.Type.ToString().ToLowerInvariant()).Append("' supported='yes'/>\n");
        return sb.Append("</storagepoolCapabilities>\n").ToString();
    }

    /// <summary>The <c>&lt;source&gt;</c> elements a type needs, in words (libvirt's schema
    /// says it; its capabilities document does not), or null for a type that needs none.</summary>
    private static string? SourceParts(PoolSourceParts parts)
    {
        var words = new List<string>();
        if ((parts & PoolSourceParts.Host) != 0)
            words.Add("<host name='…'/>");
        if ((parts & PoolSourceParts.Device) != 0)
            words.Add("<device path='…'/>");
        if ((parts & PoolSourceParts.Dir) != 0)
            words.Add("<dir path='…'/>");
        if ((parts & PoolSourceParts.Adapter) != 0)
            words.Add("<adapter …/>");
        if ((parts & PoolSourceParts.Name) != 0)
            words.Add("<name>…</name>");
        if ((parts & PoolSourceParts.InitiatorIqn) != 0)
            words.Add("<initiator><iqn name='…'/></initiator>");
        return words.Count == 0 ? null : "source: " + string.Join(" ", words);
    }

    // An XML comment may not contain "--" nor end in "-" (XML 1.0 §2.5).
    private static string CommentText(string text)
    {
        var s = text.Replace("\n", " ", StringComparison.Ordinal);
        while (s.Contains("--", StringComparison.Ordinal))
            s = s.Replace("--", "- -", StringComparison.Ordinal);
        return s.EndsWith('-') ? s + " " : s;
    }
}
