using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Devices;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Logical;

/// <summary>
/// The <c>logical</c> pool: an LVM volume group whose LVs are the volumes (libvirt's
/// <c>virStorageBackendLogical</c>, src/storage/storage_backend_logical.c). The pool's source
/// name is the VG, its devices the PVs, its target <c>/dev/VG</c>. Build = pvcreate + vgcreate,
/// start/stop = vgchange -aly/-aln, refresh = lvs + vgs (JSON reports), volumes = lvcreate,
/// lvremove, lvresize. Volume data (wipe, upload, download, clone) goes through the LV's node,
/// which exists only where device-mapper does. Stateless and thread-safe.
/// </summary>
public sealed class LogicalPoolBackend : IPoolBackend
{
    private const ulong LabelZeroBytes = 1 << 20;

    private readonly ICommandRunner _runner;
    private readonly LvmCommands _lvm;
    private readonly ILogger _log;

    /// <summary>A logical backend; <paramref name="lvm"/> defaults to production LVM commands.</summary>
    public LogicalPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, LvmCommands? lvm = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<LogicalPoolBackend>();
        _runner = runner ?? new ProcessCommandRunner(logger);
        _lvm = lvm ?? new LvmCommands();
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => LogicalPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <summary>The LVM command lines this backend runs.</summary>
    public LvmCommands Commands => _lvm;

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        try
        {
            MatchSource(pool);
        }
        catch (StorageException)
        {
            return false;
        }
        return Directory.Exists(Target(pool));
    }

    /// <summary>
    /// The volume group by name and, when LVM knows it, by UUID (also the VG of each source
    /// device that is a PV): two pools over one VG meet on a key however they spell it, and
    /// the second is refused instead of deleting the first one's volumes. One <c>pvs</c>
    /// (metadata only, no device-mapper needed); when it fails, the name alone.
    /// </summary>
    public IReadOnlyList<string> SourceKeys(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var vg = Vg(pool);
        var keys = new List<string> { "logical vg-name " + vg };
        try
        {
            var result = _runner.Run(_lvm.PvsWithUuids());
            if (result.ExitCode == 0)
            {
                foreach (var row in LvmReport.Rows(result.Stdout, "pv"))
                {
                    string uuid = row.GetValueOrDefault("vg_uuid") ?? "";
                    string pv = row.GetValueOrDefault("pv_name") ?? "";
                    if (uuid.Length > 0 && (row.GetValueOrDefault("vg_name") == vg || pool.Source.Devices.Any(d => SameDevice(pv, d.Path))))
                    {
                        keys.Add("logical vg-uuid " + uuid);
                    }
                }
            }
        }
        catch (Exception e) when (e is StorageException or System.ComponentModel.Win32Exception or IOException)
        {
            _log.Debug("Pool {Pool}: cannot read LVM's PVs for duplicate detection: {Error}", pool.Name, e.Message);
        }
        return [.. keys.Distinct(StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        MatchSource(pool);
        _runner.RunChecked(_lvm.Activate(Vg(pool)), cancellation: cancellation);
    }

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _runner.RunChecked(_lvm.Deactivate(Vg(pool)));
    }

    /// <inheritdoc/>
    public void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var devices = pool.Source.Devices.Select(d => d.Path).ToList();
        if (devices.Count == 0)
        {
            throw StorageErrors.OperationInvalid("No source device(s) provided to build a logical pool");
        }
        var initialised = new List<string>();
        try
        {
            foreach (var device in devices)
            {
                cancellation.ThrowIfCancellationRequested();
                if ((flags & PoolBuildFlags.Overwrite) == 0)
                {
                    // blkid knows no "lvm2", but it does know "LVM2_member" (libvirt's comment).
                    DeviceProbe.RequireEmptyForBuild(_runner, device, "LVM2_member");
                }
                BlockVolumes.ZeroStart(device, LabelZeroBytes);
                _runner.RunChecked(_lvm.PvCreate(device), cancellation: cancellation);
                initialised.Add(device);
            }
            _runner.RunChecked(_lvm.VgCreate(Vg(pool), devices), cancellation: cancellation);
        }
        catch
        {
            foreach (var device in initialised)
            {
                var undo = _runner.Run(_lvm.PvRemove(device));
                if (!undo.Succeeded)
                {
                    _log.Error("Cannot undo pvcreate on {Device}: {Error}", device, undo.Stderr.Trim());
                }
            }
            throw;
        }
    }

    /// <inheritdoc/>
    public void Delete(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _runner.RunChecked(_lvm.VgRemove(Vg(pool)));
        foreach (var device in pool.Source.Devices)
        {
            _runner.RunChecked(_lvm.PvRemove(device.Path));
        }
    }

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var vg = Vg(pool);
        var segments = LvmReport.Segments(_runner.RunChecked(_lvm.Lvs(vg), cancellation: cancellation).Stdout);
        var info = LvmReport.VolumeGroup(_runner.RunChecked(_lvm.Vgs(vg), cancellation: cancellation).Stdout)
            ?? throw StorageErrors.OperationFailed($"cannot find logical volume group name '{vg}'");
        var volumes = Volumes(pool, segments).ToList();
        var problems = new List<string>();
        foreach (var vol in volumes)
        {
            TryDescribeNode(vol, problems);
        }
        ulong available = Math.Min(info.Free, info.Size);
        return new PoolRefreshResult(new PoolSizes(info.Size, info.Size - available, available), volumes, null, problems);
    }

    /// <inheritdoc/>
    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Target.Encryption is not null)
        {
            throw StorageErrors.ConfigUnsupported("storage pool does not support encrypted volumes");
        }
        if (volume.Name.Contains('/'))
        {
            throw StorageErrors.InvalidArg($"volume name '{volume.Name}' cannot contain '/'");
        }
        if (volume.Capacity == 0)
        {
            // A file created in volumes/ (its bytes still to come): without device-mapper they
            // could never be written; with it, LVM still needs a size up front.
            RequireDeviceMapper();
            throw StorageErrors.InvalidArg(
                $"a logical volume needs a size: create '{volume.Name}' with a <volume> document giving its <capacity>, then write its bytes");
        }
        volume.Type = VolumeType.Block;
        volume.Target.Path = Target(pool) + "/" + volume.Name;
        volume.Key ??= volume.Target.Path;
    }

    /// <inheritdoc/>
    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(progress);
        if ((flags & VolumeCreateFlags.PreallocMetadata) != 0)
        {
            throw StorageErrors.ConfigUnsupported("metadata preallocation only available with qcow2");
        }
        progress.SetTotal(volume.Capacity);
        _runner.RunChecked(_lvm.LvCreate(Vg(pool), volume.Name, volume.Capacity,
            volume.HasAllocation ? volume.Allocation : volume.Capacity, volume.BackingStore?.Path), cancellation: cancellation);
        try
        {
            ApplyPermissions(volume);
        }
        catch
        {
            RemoveAfterFailure(volume);
            throw;
        }
        progress.Report(volume.Capacity);
    }

    /// <inheritdoc/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool, VolumeDefinition source,
        VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(volume);
        RequireDeviceMapper();
        if ((flags & VolumeCreateFlags.Reflink) != 0)
        {
            throw StorageErrors.ConfigUnsupported("reflink is not supported for logical volumes");
        }
        BuildVolume(pool, volume, flags & ~(VolumeCreateFlags.Reflink | VolumeCreateFlags.PreferReflink), NullProgress.Instance, cancellation);
        try
        {
            RequireNode(volume);
            BlockClone.Into(_runner, volume, sourcePool, source, progress, cancellation);
        }
        catch
        {
            RemoveAfterFailure(volume);
            throw;
        }
    }

    /// <inheritdoc/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var path = VolumePath(pool, volume);
        var removed = _runner.Run(_lvm.LvRemove(path));
        if (removed.Succeeded)
        {
            return;
        }
        _runner.RunChecked(_lvm.LvDeactivate(path));
        _runner.RunChecked(_lvm.LvRemove(path));
    }

    /// <inheritdoc/>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if ((flags & VolumeResizeFlags.Allocate) != 0)
        {
            // An LV's extents are always allocated; the flag changes nothing.
            _log.Debug("Volume {Volume}: allocate flag ignored, LV extents are always allocated", volume.Name);
        }
        _runner.RunChecked(_lvm.LvResize(VolumePath(pool, volume), capacity));
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(volume);
        RequireDeviceMapper();
        if (volume.Target.Path is { } p && IsSparse(pool, volume.Name))
        {
            throw StorageErrors.ArgumentUnsupported($"logical volume '{p}' is sparse, volume wipe not supported");
        }
        RequireNode(volume);
        BlockVolumes.Wipe(VolumePath(pool, volume), algorithm, progress, cancellation);
    }

    /// <inheritdoc/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode)
    {
        ArgumentNullException.ThrowIfNull(volume);
        RequireNode(volume);
        return BlockVolumes.Open(VolumePath(pool, volume), mode);
    }

    /// <inheritdoc/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        var segments = LvmReport.Segments(_runner.RunChecked(_lvm.Lvs(Vg(pool))).Stdout);
        var fresh = Volumes(pool, segments).FirstOrDefault(v => v.Name == volume.Name)
            ?? throw StorageErrors.Internal($"cannot find newly created volume '{volume.Target.Path}'");
        TryDescribeNode(fresh, []);
        volume.Type = fresh.Type;
        volume.Key = fresh.Key;
        volume.Capacity = fresh.Capacity;
        volume.Allocation = fresh.Allocation;
        volume.Target.Path = fresh.Target.Path;
        volume.Target.Permissions = fresh.Target.Permissions;
        volume.Target.Timestamps = fresh.Target.Timestamps;
        volume.BackingStore = fresh.BackingStore;
        volume.Extents.Clear();
        volume.Extents.AddRange(fresh.Extents);
    }

    /// <summary>
    /// The volumes of an lvs report (virStorageBackendLogicalMakeVol): one per LV, its segments'
    /// extents in order; thin pools are skipped (they have no node, libvirt's comment); a
    /// snapshot's origin is its backing store. Extent offsets are in bytes from the PV's first
    /// extent: start = first PE × extent size, end = start + segment size ÷ stripes.
    /// </summary>
    public static IEnumerable<VolumeDefinition> Volumes(PoolDefinition pool, IReadOnlyList<LvSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(segments);
        var target = Target(pool);
        foreach (var group in segments.Where(s => s.Attributes.Length == 0 || s.Attributes[0] != 't').GroupBy(s => s.Name))
        {
            var first = group.First();
            var vol = new VolumeDefinition
            {
                Name = first.Name,
                Key = first.Uuid,
                Type = VolumeType.Block,
                Capacity = first.Size,
                Allocation = first.Attributes.StartsWith('s') || first.Attributes.StartsWith('S')
                    ? group.Aggregate(0UL, (sum, s) => sum + s.SegmentSize)
                    : first.Size,
            };
            vol.Target.Path = target + "/" + first.Name;
            if (first.Origin.Length > 0)
            {
                vol.BackingStore = new VolumeBackingStore { Path = target + "/" + first.Origin };
            }
            foreach (var segment in group)
            {
                ulong stripes = Math.Max(1, segment.Stripes);
                foreach (var (device, pe) in Devices(segment.Devices))
                {
                    ulong start = pe * segment.ExtentSize;
                    vol.Extents.Add(new VolumeExtent(device, start, start + segment.SegmentSize / stripes));
                }
            }
            yield return vol;
        }
    }

    // "/dev/sda(0),/dev/sdb(25)" → (/dev/sda, 0), (/dev/sdb, 25).
    private static IEnumerable<(string Device, ulong FirstExtent)> Devices(string devices)
    {
        foreach (var item in devices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int open = item.LastIndexOf('(');
            if (open > 0 && item.EndsWith(')') &&
                ulong.TryParse(item.AsSpan(open + 1, item.Length - open - 2), System.Globalization.CultureInfo.InvariantCulture, out var pe))
            {
                yield return (item[..open], pe);
            }
        }
    }

    // virStorageBackendLogicalMatchPoolSource: the VG must be known to LVM and, when the pool
    // names devices, at least one of them must be one of its PVs.
    private void MatchSource(PoolDefinition pool)
    {
        var vg = Vg(pool);
        var pvs = LvmReport.PhysicalVolumes(_runner.RunChecked(_lvm.Pvs()).Stdout);
        var mine = pvs.Where(p => p.Vg == vg).Select(p => p.Pv).ToList();
        if (mine.Count == 0)
        {
            throw StorageErrors.OperationFailed($"cannot find logical volume group name '{vg}'");
        }
        if (pool.Source.Devices.Count == 0)
        {
            return;
        }
        int matches = pool.Source.Devices.Count(d => mine.Any(pv => SameDevice(pv, d.Path)));
        if (matches == 0)
        {
            throw StorageErrors.OperationFailed($"cannot find any matching source devices for logical volume group '{vg}'");
        }
        if (matches != pool.Source.Devices.Count)
        {
            _log.Information("Pool {Pool}: not every source device is a PV of {Vg}", pool.Name, vg);
        }
    }

    private static bool SameDevice(string a, string b)
    {
        if (a == b)
        {
            return true;
        }
        try
        {
            return Path.GetFullPath(new FileInfo(a).ResolveLinkTarget(true)?.FullName ?? a) ==
                   Path.GetFullPath(new FileInfo(b).ResolveLinkTarget(true)?.FullName ?? b);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private bool IsSparse(PoolDefinition pool, string name) =>
        LvmReport.Segments(_runner.RunChecked(_lvm.Lvs(Vg(pool))).Stdout)
            .Any(s => s.Name == name && s.Attributes.Length > 0 && s.Attributes[0] is 's' or 'S' or 'V');

    // The LV node exists only where device-mapper does; without it the numbers come from lvs.
    private static void TryDescribeNode(VolumeDefinition vol, List<string> problems)
    {
        var path = vol.Target.Path!;
        if (!BlockDevice.Exists(path))
        {
            return;
        }
        ulong capacity = vol.Capacity, allocation = vol.Allocation;
        try
        {
            BlockVolumes.Describe(vol, path);
            vol.Capacity = capacity;
            vol.Allocation = allocation;
        }
        catch (StorageException e)
        {
            problems.Add($"volume '{vol.Name}': {e.Message}");
        }
    }

    private void ApplyPermissions(VolumeDefinition volume)
    {
        var perms = volume.Target.Permissions;
        var path = volume.Target.Path!;
        if (perms.IsEmpty)
        {
            return;
        }
        if (!BlockDevice.Exists(path))
        {
            _log.Warning("Volume {Volume}: {Path} has no device node (LVM activation off); permissions not applied",
                volume.Name, path);
            return;
        }
        if (perms.Mode is { } mode)
        {
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }
        LocalNative.Chown(path, perms.Owner, perms.Group);
    }

    private void RemoveAfterFailure(VolumeDefinition volume)
    {
        var result = _runner.Run(_lvm.LvRemove(volume.Target.Path!));
        if (!result.Succeeded)
        {
            _log.Error("Cannot remove half-made volume {Volume}: {Error}", volume.Name, result.Stderr.Trim());
        }
    }

    // Host ability first, in one sentence; the tools' own words go to the log only.
    private void RequireDeviceMapper()
    {
        if (!_lvm.DeviceMapper)
        {
            throw StorageErrors.NoSupport(NoDeviceMapper);
        }
    }

    /// <summary>The refusal of every data operation on a host without device-mapper.</summary>
    public const string NoDeviceMapper =
        "this kernel has no device-mapper, so logical volumes have no device node and their bytes cannot be read or written on this host";

    private void RequireNode(VolumeDefinition volume)
    {
        RequireDeviceMapper();
        var path = volume.Target.Path ?? "";
        if (!BlockDevice.Exists(path))
        {
            throw StorageErrors.OperationFailed($"logical volume '{path}' has no device node; is the volume group active?");
        }
    }

    private static string VolumePath(PoolDefinition pool, VolumeDefinition volume) =>
        volume.Target.Path ?? Target(pool) + "/" + volume.Name;

    private static string Vg(PoolDefinition pool) =>
        pool.Source.Name ?? pool.Name;

    private static string Target(PoolDefinition pool) => pool.Target.Path ?? "/dev/" + Vg(pool);
}
