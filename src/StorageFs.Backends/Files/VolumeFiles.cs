using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// Volume files of a local pool: where a volume's data really is (refusing symlinks that lead
/// out of the pool), and what a refresh reports for one entry (libvirt's
/// <c>virStorageBackendRefreshVolTargetUpdate</c> + <c>virStorageBackendUpdateVolTargetInfoFD</c>,
/// src/storage/storage_util.c): type, format probed from the header, capacity (virtual size),
/// allocation (st_blocks·512), physical (st_size), permissions, times, backing store.
/// </summary>
internal static class VolumeFiles
{
    /// <summary>The path of a volume named <paramref name="name"/> in <paramref name="pool"/>.</summary>
    public static string PathOf(PoolDefinition pool, string name)
    {
        if (name.Contains('/'))
        {
            throw StorageErrors.InvalidArg($"volume name '{name}' cannot contain '/'");
        }
        return Path.Combine(pool.Target.Path!, name);
    }

    /// <summary>
    /// The path holding <paramref name="vol"/>'s bytes: its own path, or the target of a
    /// symlink that stays inside the pool. A symlink leading outside is refused, so a wipe,
    /// resize, upload or copy never reaches a file the pool does not own.
    /// </summary>
    public static string DataPath(PoolDefinition pool, VolumeDefinition vol, string operation)
    {
        var path = OwnPath(pool, vol);
        var st = LocalNative.Stat(path, noFollow: true)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot stat file '{path}'");
        if (!st.IsSymlink)
        {
            return path;
        }
        var resolved = TargetPathPolicy.Resolve(path);
        if (!IsInside(pool, resolved))
        {
            throw StorageErrors.Denied(
                $"volume '{vol.Name}' is a symbolic link to '{resolved}', outside pool '{pool.Name}'; it cannot be {operation}");
        }
        return resolved;
    }

    /// <summary>The volume's own path, checked to be a direct entry of the pool's target.</summary>
    public static string OwnPath(PoolDefinition pool, VolumeDefinition vol)
    {
        var path = vol.Target.Path ?? PathOf(pool, vol.Name);
        if (Path.GetDirectoryName(path) != pool.Target.Path || Path.GetFileName(path) != vol.Name)
        {
            throw StorageErrors.Denied($"volume path '{path}' is not an entry of pool '{pool.Name}' ('{pool.Target.Path}')");
        }
        return path;
    }

    public static bool IsInside(PoolDefinition pool, string resolved) =>
        resolved.StartsWith(pool.Target.Path + "/", StringComparison.Ordinal);

    /// <summary>
    /// Describes the entry <paramref name="name"/> of the pool, or returns null when a refresh
    /// skips it as libvirt does (FIFOs, sockets, devices, dangling symlinks). Unreadable or
    /// unprobeable files, and symlinks leading out of the pool (listed, never followed), add a
    /// line to <paramref name="problems"/>.
    /// </summary>
    public static VolumeDefinition? Describe(PoolDefinition pool, string name, QemuImgTool tool, List<string> problems)
    {
        var path = PathOf(pool, name);
        var own = LocalNative.Stat(path, noFollow: true);
        if (own is null)
        {
            return null;
        }
        // Key and path in parts: the pool's directory string and the name (no string per volume).
        var vol = new VolumeDefinition { Name = name };
        vol.SetKeyIn(pool.Target.Path!, name);
        vol.Target.SetPathIn(pool.Target.Path!, name);
        var st = own;
        var dataPath = path;
        if (own.IsSymlink)
        {
            var resolved = TargetPathPolicy.Resolve(path);
            if (!IsInside(pool, resolved))
            {
                problems.Add($"volume '{name}' is a symbolic link to '{resolved}', outside the pool; it is listed but not followed");
                vol.Type = VolumeType.File;
                vol.Target.Format = "none";
                SetOwnership(vol, own);
                return vol;
            }
            st = LocalNative.Stat(path, noFollow: false);
            if (st is null)
            {
                return null;
            }
            dataPath = resolved;
        }
        SetOwnership(vol, st);
        if (st.IsDirectory)
        {
            vol.Type = VolumeType.Dir;
            vol.Target.Format = "dir";
            // libvirt sizes no directory (virStorageBackendUpdateVolTargetInfo reads sizes of
            // files and block devices only): vol-dumpxml says 0 and 0.
            vol.Capacity = 0;
            vol.Allocation = 0;
            return vol;
        }
        if (!st.IsRegular)
        {
            return null;
        }
        vol.Type = VolumeType.File;
        vol.Allocation = st.AllocatedBytes;
        vol.Physical = st.Size;
        vol.Capacity = st.Size;
        vol.Target.Format = "raw";
        try
        {
            using var handle = LocalNative.Open(dataPath, Libc.O_RDONLY | Libc.O_NOFOLLOW, 0, "cannot open volume");
            var image = ImageProbe.Probe(handle, st.Size);
            vol.Target.Format = image.Format;
            vol.Capacity = image.VirtualSize;
            if (image.NeedsTool)
            {
                vol.Capacity = tool.Info(dataPath, image.Format).VirtualSize;
            }
            if (image.Format == "qcow2")
            {
                // libvirt's qcow2GetFeatures: a version 2 image has neither compat nor features;
                // a version 3 one says compat 1.1 and its features (an empty <features/> too).
                vol.Target.Compat = image.Compat == "1.1" ? "1.1" : null;
                vol.Target.Features = image.Compat == "1.1" ? (VolumeFeatures)image.Features : null;
                vol.Target.ClusterSize = image.ClusterSize;
            }
            if (image.BackingPath is { } backing)
            {
                vol.BackingStore = Backing(Path.GetDirectoryName(dataPath)!, backing, image.BackingFormat);
            }
        }
        catch (StorageException e) when (e.OsErrno is (int)Errno.ENOENT or (int)Errno.ENOTDIR)
        {
            // Deleted between the stat and the open (a delete racing a listing): the entry is
            // gone, which is not a problem of the file (this was EIO).
            return null;
        }
        catch (StorageException e)
        {
            problems.Add($"volume '{name}': {e.Message}");
        }
        return vol;
    }

    /// <summary>Re-reads one volume in place (refreshVol); a volume gone from disk is an error.</summary>
    public static void Refresh(PoolDefinition pool, VolumeDefinition vol, QemuImgTool tool)
    {
        var problems = new List<string>();
        var fresh = Describe(pool, vol.Name, tool, problems)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot stat file '{PathOf(pool, vol.Name)}'");
        if (problems.Count > 0 && fresh.Target.Format != "none")
        {
            throw StorageErrors.Internal(problems[0]);
        }
        vol.Type = fresh.Type;
        vol.CopyKeyFrom(fresh);
        vol.Capacity = fresh.Capacity;
        vol.Allocation = fresh.Allocation;
        vol.Physical = fresh.Physical;
        vol.Target = fresh.Target;
        vol.BackingStore = fresh.BackingStore;
    }

    private static VolumeBackingStore Backing(string imageDir, string backing, string? format)
    {
        var path = backing.Contains("://", StringComparison.Ordinal) || backing.StartsWith('/')
            ? backing
            : Path.GetFullPath(Path.Combine(imageDir, backing));
        if (format is null && path.StartsWith('/'))
        {
            try
            {
                if (LocalNative.Stat(path, noFollow: false) is { IsRegular: true } st)
                {
                    using var h = LocalNative.Open(path, Libc.O_RDONLY, 0, "cannot open backing store");
                    format = ImageProbe.Probe(h, st.Size).Format;
                }
            }
            catch (StorageException)
            {
                format = null;
            }
        }
        var store = new VolumeBackingStore { Path = path, Format = format };
        // libvirt stats the backing image for its permissions and times (following links, as its open does).
        try
        {
            if (path.StartsWith('/') && LocalNative.Stat(path, noFollow: false) is { } backingStatus)
            {
                store.Permissions = new StoragePermissions { Mode = backingStatus.Permissions, Owner = backingStatus.Uid, Group = backingStatus.Gid };
                store.Timestamps = backingStatus.Times;
            }
        }
        catch (StorageException)
        {
            // Unreadable: shown without them.
        }
        return store;
    }

    private static void SetOwnership(VolumeDefinition vol, FileStatus st)
    {
        // Shared with the pool's other files of the same owner, group and mode (read-only).
        vol.Target.Permissions = StoragePermissions.Shared(st.Permissions, st.Uid, st.Gid);
        vol.Target.Timestamps = st.Times;
    }
}
