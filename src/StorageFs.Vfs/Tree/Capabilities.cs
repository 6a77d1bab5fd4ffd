using System.Text;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>capabilities</c>: libvirt's <c>&lt;storagepoolCapabilities&gt;</c> document
/// (virsh pool-capabilities; schema storagepoolcaps.rng): every pool type, whether this daemon
/// has a backend for it, and the volume formats it creates; then the fspool types.
/// </summary>
internal static class Capabilities
{
    public static string Render(StorageDriver driver)
    {
        var sb = new StringBuilder("<storagepoolCapabilities>\n");
        foreach (PoolTypeInfo t in PoolTypes.All)
        {
            var caps = driver.Backends.Find(t.Type)?.Capabilities;
            sb.Append("  <pool type='").Append(t.XmlName).Append("' supported='").Append(caps is null ? "no" : "yes").Append("'>\n");
            if (caps is not null && caps.VolumeFormats.Count > 0)
            {
                sb.Append("    <volOptions>\n");
                if (caps.DefaultVolumeFormat is not null)
                    sb.Append("      <defaultFormat type='").Append(caps.DefaultVolumeFormat).Append("'/>\n");
                sb.Append("      <enum name='targetFormatType'>\n");
                foreach (string f in caps.VolumeFormats)
                    sb.Append("        <value>").Append(f).Append("</value>\n");
                sb.Append("      </enum>\n    </volOptions>\n");
            }
            sb.Append("  </pool>\n");
        }
        foreach (var fs in driver.Backends.FsPoolCapabilities)
            sb.Append("  <fspool type='").Append(fs.Type.ToString().ToLowerInvariant()).Append("' supported='yes'/>\n");
        return sb.Append("</storagepoolCapabilities>\n").ToString();
    }
}
