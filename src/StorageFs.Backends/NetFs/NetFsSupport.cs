using StorageFs.Backends.HostTools;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.NetFs;

/// <summary>
/// Which netfs protocols this host can mount: nfs and cifs need their kernel clients, glusterfs
/// mount.glusterfs and FUSE. On top of the generic check of <see cref="NetFsPoolCapabilities"/>.
/// </summary>
public static class NetFsSupport
{
    private static readonly string[] s_kinds = ["nfs", "cifs", "glusterfs"];

    /// <summary>The type here: runnable when some protocol can be mounted, the others noted.</summary>
    public static BackendAvailability ForType(HostFacts? facts = null)
    {
        facts ??= HostFacts.Current();
        var basic = HostSupport.Check(NetFsPoolCapabilities.Value, facts);
        var kinds = s_kinds.Select(k => Protocol(k, facts)).Where(r => r.Length > 0).ToList();
        if (kinds.Count == 0)
        {
            return basic;
        }
        var notes = new[] { basic.Reason, "cannot mount " + string.Join(", ", kinds) }.Where(n => n.Length > 0);
        return new BackendAvailability(PoolType.NetFs, basic.Runnable && kinds.Count < s_kinds.Length, string.Join("; ", notes));
    }

    /// <summary>
    /// Whether a netfs pool of source format <paramref name="format"/> (nfs, glusterfs, cifs;
    /// auto or none: nfs, as libvirt mounts those) can be mounted here.
    /// </summary>
    public static BackendAvailability For(string? format, HostFacts? facts = null)
    {
        facts ??= HostFacts.Current();
        var missing = HostSupport.MissingTools(NetFsPoolCapabilities.Value.Requirements, facts);
        var kind = format is null or "auto" or "none" ? "nfs" : format;
        var notes = new[] { missing, Protocol(kind, facts) }.Where(r => r.Length > 0).ToList();
        return new BackendAvailability(PoolType.NetFs, notes.Count == 0, notes.Count == 0 ? "" : "cannot mount " + string.Join("; ", notes));
    }

    // Empty when the protocol can be mounted, else why not.
    private static string Protocol(string kind, HostFacts facts) => kind switch
    {
        "nfs" when !HostSupport.HasFileSystem(facts, "nfs") && !HostSupport.HasFileSystem(facts, "nfs4") => "nfs (no NFS client in the kernel: nfs is not in /proc/filesystems)",
        "cifs" when !HostSupport.HasFileSystem(facts, "cifs") && !HostSupport.HasFileSystem(facts, "smb3") => "cifs (no CIFS client in the kernel: cifs is not in /proc/filesystems)",
        "glusterfs" when !facts.HasTool("mount.glusterfs") => "glusterfs (mount.glusterfs missing, Debian package glusterfs-client)",
        "glusterfs" when !HostSupport.HasFileSystem(facts, "fuse") => "glusterfs (no FUSE in the kernel)",
        _ => "",
    };
}
