using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Mounted;

/// <summary>
/// The mount command line of fs and netfs pools, exactly as libvirt builds it
/// (<c>virStorageBackendFileSystemMountCmd</c> and its helpers, src/storage/storage_util.c; the
/// corpus's <c>pool-argv</c> rows): <c>mount -o nodev,nosuid,noexec[,extra][,fs:mount_opts] [-t
/// FMT] SOURCE TARGET</c>, where extra is <c>direct-io-mode=1</c> for glusterfs, <c>guest</c> for
/// cifs and <c>nfsvers=N</c> for nfs/auto with a protocol version; netfs <c>auto</c> leaves out
/// <c>-t</c> because plain mount detects NFS and <c>mount -t auto</c> does not.
/// </summary>
public static class MountCommands
{
    /// <summary>libvirt's default options on Linux (<c>default_mount_opts</c>).</summary>
    public const string DefaultOptions = "nodev,nosuid,noexec";

    /// <summary>What the pool mounts: the device of an fs pool, <c>host:dir</c> for nfs and
    /// glusterfs, <c>//host/dir</c> for cifs (virStorageBackendFileSystemGetPoolSource).</summary>
    public static string Source(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Type == PoolType.NetFs)
        {
            if (pool.Source.Hosts.Count != 1)
            {
                throw StorageErrors.ConfigUnsupported("expected exactly 1 host for the storage pool");
            }
            var host = pool.Source.Hosts[0].Name;
            var dir = pool.Source.Dir ?? throw StorageErrors.ConfigUnsupported("missing storage pool source path");
            return pool.Source.Format == "cifs" ? $"//{host}/{dir}" : $"{host}:{dir}";
        }
        if (pool.Source.Devices.Count != 1)
        {
            throw StorageErrors.ConfigUnsupported("expected exactly 1 device for the storage pool");
        }
        return pool.Source.Devices[0].Path;
    }

    /// <summary>The mount argv (argv[0] = "mount").</summary>
    public static IReadOnlyList<string> Mount(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var source = Source(pool);
        var target = pool.Target.Path ?? throw StorageErrors.Internal($"pool '{pool.Name}' has no target path");
        bool net = pool.Type == PoolType.NetFs;
        var format = pool.Source.Format ?? (net ? "auto" : "auto");
        string? nfsVers = net && pool.Source.ProtocolVersion is { } ver ? "nfsvers=" + ver : null;

        var argv = new List<string> { "mount" };
        if (net && format == "auto")
        {
            AddOptions(argv, pool, nfsVers);
            argv.AddRange([source, target]);
            return argv;
        }
        string? extra = net ? format switch
        {
            "glusterfs" => "direct-io-mode=1",
            "cifs" => "guest",
            _ => nfsVers,
        } : null;
        AddOptions(argv, pool, extra);
        argv.AddRange(["-t", format, source, target]);
        return argv;
    }

    /// <summary>The unmount argv: <c>umount TARGET</c>.</summary>
    public static IReadOnlyList<string> Unmount(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return ["umount", pool.Target.Path ?? throw StorageErrors.Internal($"pool '{pool.Name}' has no target path")];
    }

    private static void AddOptions(List<string> argv, PoolDefinition pool, string? provided)
    {
        var options = new List<string> { DefaultOptions };
        if (provided is not null)
        {
            options.Add(provided);
        }
        options.AddRange(pool.MountOptions);
        argv.AddRange(["-o", string.Join(',', options)]);
    }
}
