using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// What is inside a volume (its filesystem, where the host has it attached or mounted, its
/// backing chain) and growfs/shrinkfs of the filesystem in a raw volume. No libvirt
/// counterpart: the tools are the host's (<see cref="IVolumeFilesystems"/>), the rules the
/// driver's (a volume in use by anyone is refused, the job holds the volume as a wipe does).
/// </summary>
public sealed partial class StorageDriver
{
    /// <summary>Formats whose bytes are the guest's disk one to one; anything else is a container.</summary>
    private static bool HoldsRawBytes(VolumeDefinition vol) =>
        vol.Type == VolumeType.Block || vol.Target.Format is null or "raw" or "iso";

    /// <summary>
    /// What the volume's first blocks hold and where the host uses it (<see cref="IVolumeFilesystems.Inspect"/>),
    /// plus its backing chain from the volume definitions (no file is opened for that). Null
    /// when the host has no filesystem tools, the volume is still being created or its bytes
    /// have no host descriptor.
    /// </summary>
    public VolumeInspection? InspectVolume(string pool, string volume)
    {
        if (BuiltVolume(pool, volume) is not var (_, def, vol, backend))
        {
            return null;
        }
        var chain = BackingChain(vol);
        if (_backends.Filesystems is not { } tools
            || vol.Type is VolumeType.Dir or VolumeType.Ploop or VolumeType.NetDir
            || !backend.Capabilities.Supports(PoolOperations.DownloadVolume))
        {
            return new VolumeInspection(null, chain);
        }
        VolumeContent content;
        try
        {
            _pools.RecheckTarget(def);
            using var data = backend.OpenVolume(def, DefinitionCopy.Of(vol), VolumeAccessMode.Read);
            if (!data.HasDescriptor)
            {
                return new VolumeInspection(null, chain);
            }
            using var fd = data.TakeDescriptor();
            content = tools.Inspect(fd, probe: HoldsRawBytes(vol));
        }
        catch (StorageException e)
        {
            // Info still answers for a volume the host cannot open (an LV without device-mapper).
            _log.Debug("Cannot inspect volume {Volume} of pool {Pool}: {Error}", volume, pool, e.Message);
            return new VolumeInspection(null, chain);
        }
        if (content.Filesystem is null && !HoldsRawBytes(vol))
        {
            content = content with { Filesystem = $"not probed: inside a {vol.Target.Format} container" };
        }
        return new VolumeInspection(content, chain);
    }

    // The chain from the definitions: each backing file that is a volume of a running pool
    // continues with that volume's own backing store (at most 16 deep, loops stopped).
    private IReadOnlyList<string> BackingChain(VolumeDefinition vol)
    {
        var chain = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = vol.BackingStore;
        while (next is not null && chain.Count < 16 && seen.Add(next.Path))
        {
            chain.Add(next.Format is { } f ? $"{next.Path} ({f})" : next.Path);
            next = FindVolumeDefinition(next.Path)?.BackingStore;
        }
        return chain;
    }

    private VolumeDefinition? FindVolumeDefinition(string path)
    {
        foreach (var entry in _pools.All())
        {
            lock (entry.Gate)
            {
                if (!entry.IsActive)
                {
                    continue;
                }
                foreach (var child in entry.Children.Values)
                {
                    if (!child.Building && child.Def.Target.PathIs(path))
                    {
                        return child.Def;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>
    /// growfs: grows the filesystem inside a raw volume to fill it, or to <paramref name="size"/>
    /// bytes, as a job. Everything is checked first (volume idle and not attached or mounted on
    /// the host, raw bytes, a filesystem the tools know, the size), then the volume is held as
    /// for a wipe until the job ends.
    /// </summary>
    public StorageJob StartGrowFilesystem(string pool, string volume, ulong? size, JobRequester? requester = null) =>
        StartFilesystemResize(pool, volume, size, shrink: false, resizeVolume: false, requester);

    /// <summary>
    /// shrinkfs: shrinks the filesystem inside a raw volume to <paramref name="size"/> bytes,
    /// then, with <paramref name="resizeVolume"/>, the volume to the same size; checked as
    /// <see cref="StartGrowFilesystem"/>.
    /// </summary>
    public StorageJob StartShrinkFilesystem(string pool, string volume, ulong size, bool resizeVolume, JobRequester? requester = null) =>
        StartFilesystemResize(pool, volume, size, shrink: true, resizeVolume, requester);

    private StorageJob StartFilesystemResize(string pool, string volume, ulong? size, bool shrink, bool resizeVolume, JobRequester? requester)
    {
        string verb = shrink ? "shrinkfs" : "growfs";
        var tools = _backends.Filesystems
            ?? throw StorageErrors.NoSupport($"{verb} needs the host's filesystem tools, which this daemon runs without");
        var entry = _pools.Get(pool);
        var (def, vol, child, backend) = BeginVolumeChange(entry, volume, PoolOperations.UploadVolume,
            $"{verb}: this pool gives no write access to its volumes' bytes");
        SafeFileHandle? data = null;
        FilesystemResizePlan plan;
        try
        {
            if (resizeVolume && !backend.Capabilities.Supports(PoolOperations.ResizeVolume))
            {
                throw StorageErrors.NoSupport($"{verb} {size} resize: storage pool does not support changing of volume capacity (shrinkfs without resize leaves the volume as it is)");
            }
            if (vol.Type is VolumeType.Dir or VolumeType.Ploop or VolumeType.NetDir || !HoldsRawBytes(vol))
            {
                throw StorageErrors.NoSupport(
                    $"{verb} works on raw volumes only: '{volume}' is {(vol.Target.Format is { } f ? "a " + f : "a " + vol.Type.ToString().ToLowerInvariant())} " +
                    "volume, whose filesystem sits inside a container the host reaches only through qemu-nbd (not used here); " +
                    "copy it to a raw volume first");
            }
            _pools.RecheckTarget(def);
            using (var opened = backend.OpenVolume(def, DefinitionCopy.Of(vol), VolumeAccessMode.Write))
            {
                if (!opened.HasDescriptor || !opened.Writable)
                {
                    throw StorageErrors.NoSupport($"{verb}: the bytes of '{volume}' have no writable host descriptor here");
                }
                long length = opened.Length;
                data = opened.TakeDescriptor();
                plan = tools.PlanResize(data, (ulong)length, size, shrink);
            }
        }
        catch
        {
            data?.Dispose();
            EndVolumeChange(entry, child, null);
            throw;
        }

        var handle = data!;
        VolumeDefinition? refreshed = null;
        bool fsChanged = false;
        bool volumeChanged = false;
        return Jobs.Start(shrink ? JobKind.VolumeShrinkFs : JobKind.VolumeGrowFs, DefinitionKind.Pool, pool, volume, requester,
            (job, token) =>
            {
                job.SetTotal(Math.Max(plan.CurrentSize, plan.NewSize));
                tools.Resize(handle, plan, job, token);
                fsChanged = true;
                handle.Dispose();
                if (resizeVolume)
                {
                    // The job holds the volume; libvirt's allocation floor does not apply (the
                    // filesystem now ends at the new size, whatever the file had allocated past it).
                    _pools.RecheckTarget(def);
                    backend.ResizeVolume(def, DefinitionCopy.Of(vol), plan.NewSize, VolumeResizeFlags.Shrink);
                    volumeChanged = true;
                }
                refreshed = RefreshedCopy(backend, def, vol);
            },
            ok =>
            {
                handle.Dispose();
                EndVolumeChange(entry, child, refreshed);
                if (fsChanged)
                {
                    _pools.Raise(StorageEventKind.VolumeFilesystemResized, entry, volume);
                }
                if (volumeChanged)
                {
                    _pools.Raise(StorageEventKind.VolumeResized, entry, volume);
                }
            });
    }

    /// <summary>What this host offers (the <c>node</c> file): the allowed directories with free
    /// space and reflink ability, volume groups, mkfs programs, compressors. Null when the
    /// daemon runs without a host inventory.</summary>
    public NodeInventory? DescribeNode() => _backends.Inventory?.Describe(_options.Policy.AllowedDirectories);
}
