using Microsoft.Win32.SafeHandles;
using StorageFs.Backends.Files;
using StorageFs.Backends.QemuImg;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;

namespace StorageFs.Backends.Dir;

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
        var st = LocalNative.TryStat(path, followSymlinks: false)
            ?? throw StorageErrors.System(LibC.ENOENT, $"cannot stat file '{path}'");
        if (st.Kind != FileKind.Symlink)
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
    public static VolumeDefinition? Describe(PoolDefinition pool, string name, QemuImgRunner qemuImg, List<string> problems)
    {
        var path = PathOf(pool, name);
        var own = LocalNative.TryStat(path, followSymlinks: false);
        if (own is null)
        {
            return null;
        }
        var vol = new VolumeDefinition { Name = name, Key = path };
        vol.Target.Path = path;
        var st = own;
        var dataPath = path;
        if (own.Kind == FileKind.Symlink)
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
            st = LocalNative.TryStat(path, followSymlinks: true);
            if (st is null)
            {
                return null;
            }
            dataPath = resolved;
        }
        SetOwnership(vol, st);
        if (st.Kind == FileKind.Directory)
        {
            vol.Type = VolumeType.Dir;
            vol.Target.Format = "dir";
            vol.Capacity = (ulong)st.Size;
            vol.Allocation = (ulong)st.Allocation;
            return vol;
        }
        if (st.Kind != FileKind.Regular)
        {
            return null;
        }
        vol.Type = VolumeType.File;
        vol.Allocation = (ulong)st.Allocation;
        vol.Physical = (ulong)st.Size;
        vol.Capacity = (ulong)st.Size;
        vol.Target.Format = "raw";
        try
        {
            ProbeResult image;
            using (var handle = LocalNative.Open(dataPath, LocalNative.O_RDONLY | LocalNative.O_NOFOLLOW, 0, "cannot open volume"))
            {
                image = Probe(handle, (ulong)st.Size);
            }
            vol.Target.Format = image.Format == "vhdx" ? "raw" : image.Format;
            vol.Capacity = image.Capacity
                ?? (ulong)qemuImg.InfoAsync(dataPath, image.Format).GetAwaiter().GetResult().VirtualSize;
            if (image.Format == "qcow2")
            {
                vol.Target.Compat = image.Compat ?? "0.10";
                vol.Target.Features = image.Compat is null ? null : Features(image.Features);
            }
            if (image.BackingStore is { } backing)
            {
                vol.BackingStore = Backing(Path.GetDirectoryName(dataPath)!, backing, image.BackingFormat);
            }
        }
        catch (StorageException e)
        {
            problems.Add($"volume '{name}': {e.Message}");
        }
        return vol;
    }

    /// <summary>Re-reads one volume in place (refreshVol); a volume gone from disk is an error.</summary>
    public static void Refresh(PoolDefinition pool, VolumeDefinition vol, QemuImgRunner qemuImg)
    {
        var problems = new List<string>();
        var fresh = Describe(pool, vol.Name, qemuImg, problems)
            ?? throw StorageErrors.System(LibC.ENOENT, $"cannot stat file '{PathOf(pool, vol.Name)}'");
        if (problems.Count > 0 && fresh.Target.Format != "none")
        {
            throw StorageErrors.Internal(problems[0]);
        }
        vol.Type = fresh.Type;
        vol.Key = fresh.Key;
        vol.Capacity = fresh.Capacity;
        vol.Allocation = fresh.Allocation;
        vol.Physical = fresh.Physical;
        vol.Target = fresh.Target;
        vol.BackingStore = fresh.BackingStore;
    }

    // The header and, for dmg's trailer, the last 512 bytes, read through the caller's handle
    // (opened O_NOFOLLOW), then ImageFormatProbe's table.
    private static ProbeResult Probe(SafeFileHandle handle, ulong size)
    {
        var header = new byte[(int)Math.Min((ulong)ImageFormatProbe.MaxHeader, size)];
        int n = RandomAccess.Read(handle, header, 0);
        byte[] trailer = [];
        if (size >= 1024)
        {
            trailer = new byte[512];
            RandomAccess.Read(handle, trailer, (long)size - 512);
        }
        return ImageFormatProbe.ProbeHeader(header.AsSpan(0, n), trailer, size);
    }

    private static VolumeFeatures Features(IReadOnlyList<string>? names)
    {
        var features = VolumeFeatures.None;
        foreach (var name in names ?? [])
        {
            features |= name switch
            {
                "lazy_refcounts" => VolumeFeatures.LazyRefcounts,
                "extended_l2" => VolumeFeatures.ExtendedL2,
                _ => VolumeFeatures.None,
            };
        }
        return features;
    }

    // The header's backing name resolved against the image's directory; its format only as
    // the header records it (an unrecorded format is libvirt's "auto": never probed blindly).
    private static VolumeBackingStore Backing(string imageDir, string backing, string? format)
    {
        var path = backing.Contains("://", StringComparison.Ordinal) || backing.StartsWith('/')
            ? backing
            : Path.GetFullPath(Path.Combine(imageDir, backing));
        return new VolumeBackingStore { Path = path, Format = format };
    }

    private static void SetOwnership(VolumeDefinition vol, FileStatus st)
    {
        vol.Target.Permissions = new StoragePermissions { Mode = (uint)st.Mode & 0x1FF, Owner = st.Uid, Group = st.Gid };
        vol.Target.Timestamps = new VolumeTimestamps
        {
            Atime = Time(st.AccessTime),
            Mtime = Time(st.ModifyTime),
            Ctime = Time(st.ChangeTime),
            Btime = st.BirthTime is { } b ? Time(b) : null,
        };
    }

    // DateTimeOffset keeps 100 ns ticks: the last two nanosecond digits are always 0.
    private static VolumeTimestamp Time(DateTimeOffset t)
    {
        long ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        return new VolumeTimestamp(seconds, rest * 100);
    }
}
