using System.Globalization;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.Files;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Mounted;

namespace StorageFs.Backends.Gluster;

/// <summary>
/// The <c>gluster</c> pool: the files of one directory of a GlusterFS volume, as network
/// volumes (libvirt's <c>virStorageBackendGluster</c>, src/storage/storage_backend_gluster.c,
/// which links libgfapi). StorageFs has no gfapi binding, so start mounts the volume with the
/// GlusterFS FUSE client (mount.glusterfs) on a private directory — never the user's — and stop
/// unmounts it. Volumes: name = file name, key = <c>VOLUME/DIR/NAME</c>, path =
/// <c>gluster://HOST[:PORT]/VOLUME/DIR/NAME</c> as libvirt formats them, format probed from the
/// header, sizes from stat; pool numbers from statvfs. Stateless apart from the mounts, which are
/// found again from the mount table.
/// </summary>
public sealed class GlusterPoolBackend : IPoolBackend
{
    /// <summary>Default parent of the private mounts.</summary>
    public const string DefaultMountRoot = "/run/storagefs/gluster";

    private readonly ICommandRunner _runner;
    private readonly FilePoolBackend _files;
    private readonly string _mountRoot;

    /// <summary>A gluster backend mounting volumes below <paramref name="mountRoot"/>.</summary>
    public GlusterPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, string mountRoot = DefaultMountRoot,
        string qemuImg = "qemu-img")
    {
        _runner = runner ?? new ProcessCommandRunner(logger);
        _files = new FilePoolBackend(GlusterPoolCapabilities.Value, logger, qemuImg);
        _mountRoot = mountRoot;
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => GlusterPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <summary>The glusterfs mount argv of a pool: <c>mount -t glusterfs HOST:/VOLUME MOUNTPOINT</c>.</summary>
    public IReadOnlyList<string> MountCommand(PoolDefinition pool) =>
        ["mount", "-o", MountCommands.DefaultOptions, "-t", "glusterfs", $"{Host(pool).Name}:/{Volume(pool)}", MountPoint(pool)];

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool) => IsMounted(pool);

    /// <summary>One key per address the server's name resolves to (this host's own addresses
    /// all as one), with the volume and the directory in it.</summary>
    public IReadOnlyList<string> SourceKeys(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Source.Hosts.Count != 1 || pool.Source.Name is null)
        {
            return [];
        }
        string dir = SourceServers.Dir(pool.Source.Dir);
        return [.. SourceServers.Keys(pool.Source.Hosts[0].Name).Select(h => $"gluster {h} {pool.Source.Name} {dir}")];
    }

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation)
    {
        if (IsMounted(pool))
        {
            return;
        }
        var mountPoint = MountPoint(pool);
        Directory.CreateDirectory(mountPoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _runner.RunChecked(MountCommand(pool), cancellation: cancellation);
        var dir = DataDirectory(pool);
        if (!Directory.Exists(dir))
        {
            Stop(pool);
            throw StorageErrors.OperationFailed($"directory '{pool.Source.Dir}' does not exist in gluster volume '{Volume(pool)}'");
        }
    }

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool)
    {
        if (IsMounted(pool))
        {
            _runner.RunChecked(["umount", MountPoint(pool)]);
        }
        try
        {
            Directory.Delete(MountPoint(pool));
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        if (!IsMounted(pool))
        {
            throw StorageErrors.OperationFailed($"gluster volume '{Volume(pool)}' on '{Host(pool).Name}' is not connected");
        }
        var local = Local(pool);
        var result = _files.Refresh(local, cancellation);
        var volumes = result.Volumes.Where(v => v.Type != VolumeType.Dir).ToList();
        foreach (var vol in volumes)
        {
            ToNetwork(pool, vol);
        }
        return result with { Volumes = volumes, TargetPermissions = null };
    }

    /// <inheritdoc/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var local = Local(pool);
        var copy = new VolumeDefinition { Name = volume.Name, Type = VolumeType.File };
        copy.Target.Path = Path.Combine(local.Target.Path!, volume.Name);
        _files.DeleteVolume(local, copy);
    }

    private void ToNetwork(PoolDefinition pool, VolumeDefinition vol)
    {
        var host = Host(pool);
        var dir = Dir(pool);
        vol.Type = VolumeType.Network;
        vol.Key = $"{Volume(pool)}{dir}{vol.Name}";
        var authority = host.Name.Contains(':', StringComparison.Ordinal) ? $"[{host.Name}]" : host.Name;
        if (host.Port > 0)
        {
            authority += ":" + host.Port.ToString(CultureInfo.InvariantCulture);
        }
        vol.Target.Path = $"gluster://{authority}/{vol.Key}";
        vol.Target.Permissions = new StoragePermissions();
        vol.BackingStore = null;
    }

    // A dir-pool view of the mounted directory, for the dir backend's listing and unlink.
    private PoolDefinition Local(PoolDefinition pool)
    {
        var local = new PoolDefinition { Type = PoolType.Dir, Name = pool.Name, Uuid = pool.Uuid };
        local.Target.Path = DataDirectory(pool);
        return local;
    }

    private bool IsMounted(PoolDefinition pool) =>
        MountInfo.TopAt(MountPoint(pool)) is { FsType: "fuse.glusterfs" };

    private string MountPoint(PoolDefinition pool) => Path.Combine(_mountRoot, pool.Uuid.ToString("D"));

    private string DataDirectory(PoolDefinition pool) => (MountPoint(pool) + Dir(pool)).TrimEnd('/');

    private static PoolSourceHost Host(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Source.Hosts.Count == 1
            ? pool.Source.Hosts[0]
            : throw StorageErrors.ConfigUnsupported("Expected exactly 1 host for the storage pool");
    }

    private static string Volume(PoolDefinition pool) =>
        pool.Source.Name ?? throw StorageErrors.ConfigUnsupported("missing gluster volume name");

    // "/" or "/sub/", always starting and ending in '/', as libvirt keeps it.
    private static string Dir(PoolDefinition pool)
    {
        var dir = pool.Source.Dir ?? "/";
        if (dir.Split('/').Any(p => p == ".."))
        {
            throw StorageErrors.ConfigUnsupported($"gluster directory '{dir}' must not contain '..'");
        }
        return "/" + dir.Trim('/') + (dir.Trim('/').Length > 0 ? "/" : "");
    }
}
