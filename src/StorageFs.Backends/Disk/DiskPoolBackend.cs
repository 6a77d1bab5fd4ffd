using System.Globalization;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.Devices;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Disk;

/// <summary>
/// The <c>disk</c> pool: one whole disk's partition table, each partition a volume (libvirt's
/// <c>virStorageBackendDisk</c>, src/storage/storage_backend_disk.c). parted writes the label and
/// the partitions (and registers each with the kernel through BLKPG, so partition nodes appear
/// even on a kernel without partition parsers); the table is read back from
/// <c>parted -m unit B print free</c>, extended partitions from the MBR. A volume's name must be
/// the node name parted will create (loop0p1, sdb2): it is checked before the disk is touched.
/// Stateless and thread-safe; the driver serialises changes to one pool.
/// </summary>
public sealed class DiskPoolBackend : IPoolBackend
{
    private const ulong LabelZeroBytes = 1 << 20;
    private static readonly TimeSpan NodeWait = TimeSpan.FromSeconds(5);

    private readonly ICommandRunner _runner;
    private readonly ILogger _log;

    /// <summary>A disk backend running parted, blkid and partx through <paramref name="runner"/>.</summary>
    public DiskPoolBackend(ILogger? logger = null, ICommandRunner? runner = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<DiskPoolBackend>();
        _runner = runner ?? new ProcessCommandRunner(logger);
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => DiskPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        try
        {
            var device = Device(pool);
            if (!BlockDevice.Exists(device.Path))
            {
                return false;
            }
            return DeviceProbe.Compare(DeviceProbe.Probe(_runner, device.Path), BlkidLabel(Label(pool)), label: true) == ProbeVerdict.Match;
        }
        catch (StorageException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var device = RequireDevice(pool);
        DeviceProbe.RequireFormat(_runner, device, BlkidLabel(Label(pool)), label: true);
    }

    /// <inheritdoc/>
    public void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var device = RequireDevice(pool);
        var label = Label(pool);
        if ((flags & PoolBuildFlags.Overwrite) != 0)
        {
            BlockVolumes.ZeroStart(device, LabelZeroBytes);
        }
        else
        {
            DeviceProbe.RequireEmptyForBuild(_runner, device, BlkidLabel(label), label: true);
        }
        // eg parted /dev/sda mklabel --script msdos
        _runner.RunChecked(PartedCommands.MkLabel(device, label == "dos" ? "msdos" : label), cancellation: cancellation);
    }

    /// <inheritdoc/>
    public void Delete(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var device = RequireDevice(pool);
        BlockVolumes.ZeroLabelAreas(device, LabelZeroBytes);
        // The label is gone; so must the partition nodes parted registered with BLKPG.
        var dropped = _runner.Run(["partx", "-d", device]);
        if (!dropped.Succeeded)
        {
            _log.Debug("partx -d {Device}: {Error}", device, dropped.Stderr.Trim());
        }
    }

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var device = RequireDevice(pool);
        var table = ReadTable(device, cancellation);
        var problems = new List<string>();
        EnsureNodes(pool, table, problems);
        var volumes = Volumes(pool, table, ExtendedOf(device, table)).ToList();
        foreach (var vol in volumes)
        {
            AddNodeFacts(vol, problems);
        }
        ulong allocation = volumes.Where(v => v.Target.Format != "extended").Aggregate(0UL, (s, v) => s + v.Allocation);
        ulong available = table.Free.Aggregate(0UL, (s, f) => s + f.Size);
        return new PoolRefreshResult(new PoolSizes(table.Size, Math.Min(allocation, table.Size), Math.Min(available, table.Size)),
            volumes, null, problems);
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
        var plan = PlanFor(pool, volume);
        var node = PartitionNames.NodePath(Device(pool).Path, Device(pool).PartSeparator, plan.Number);
        var expected = Path.GetFileName(node);
        if (volume.Name != expected)
        {
            throw StorageErrors.InvalidArg($"invalid partition name '{volume.Name}', expected '{expected}'");
        }
        volume.Type = VolumeType.Block;
        volume.Target.Path = StablePath(pool, node);
        volume.Key = volume.Target.Path;
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
        var device = Device(pool);
        var plan = PlanFor(pool, volume);
        progress.SetTotal(volume.Capacity);
        _runner.RunChecked(PartedCommands.MkPart(device.Path, plan.PartedType, plan.Start, plan.End), cancellation: cancellation);
        var node = PartitionNames.NodePath(device.Path, device.PartSeparator, plan.Number);
        try
        {
            var table = ReadTable(device.Path, cancellation);
            var made = table.Partitions.FirstOrDefault(p => p.Start == plan.Start)
                ?? throw StorageErrors.Internal($"parted did not create a partition at byte {plan.Start} of '{device.Path}'");
            if (made.Number != plan.Number)
            {
                throw StorageErrors.InvalidArg(
                    $"invalid partition name '{volume.Name}', expected '{Path.GetFileName(PartitionNames.NodePath(device.Path, device.PartSeparator, made.Number))}'");
            }
            WaitForNode(device.Path, node, plan.Number);
            ApplyPermissions(node, volume.Target.Permissions);
        }
        catch
        {
            RemovePartition(device.Path, plan.Number);
            throw;
        }
        progress.Report(volume.Capacity);
    }

    /// <inheritdoc/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool, VolumeDefinition source,
        VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        if ((flags & VolumeCreateFlags.Reflink) != 0)
        {
            throw StorageErrors.ConfigUnsupported("reflink is not supported for partitions");
        }
        if (volume.Target.Format == "extended")
        {
            throw StorageErrors.ConfigUnsupported("cannot copy data into an extended partition");
        }
        BuildVolume(pool, volume, flags & ~VolumeCreateFlags.PreferReflink, NullProgress.Instance, cancellation);
        try
        {
            BlockClone.Into(_runner, volume, sourcePool, source, progress, cancellation);
        }
        catch
        {
            RemovePartition(Device(pool).Path, PartitionNames.NumberOf(volume.Target.Path!, Device(pool).Path, Device(pool).PartSeparator));
            throw;
        }
    }

    /// <inheritdoc/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        var device = Device(pool);
        var path = volume.Target.Path
            ?? throw StorageErrors.InvalidArg($"volume target path empty for source path '{device.Path}'");
        int number = PartitionNames.NumberOf(path, device.Path, device.PartSeparator);
        // eg parted /dev/sda rm --script 2
        _runner.RunChecked(PartedCommands.Rm(device.Path, number));
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(volume);
        RefuseExtended(volume, "wipe");
        BlockVolumes.Wipe(NodeOf(volume), algorithm, progress, cancellation);
    }

    /// <summary>
    /// Moves the partition's end so it holds <paramref name="capacity"/> bytes (rounded up to
    /// whole sectors), its start and number unchanged (libvirt's disk backend cannot resize;
    /// the tree needs it to cut a partition created for a copy to the bytes copied). Growing
    /// needs the free region right after the partition; a shrink loses the bytes past the new end.
    /// </summary>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        RefuseExtended(volume, "resize");
        var device = Device(pool);
        int number = PartitionNames.NumberOf(NodeOf(volume), device.Path, device.PartSeparator);
        var table = ReadTable(RequireDevice(pool), CancellationToken.None);
        var part = table.Partitions.FirstOrDefault(p => p.Number == number)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot find partition '{volume.Name}' on '{device.Path}'");
        ulong sector = Math.Max(512u, table.SectorSize);
        ulong size = (capacity + sector - 1) / sector * sector;
        if (size == 0)
        {
            throw StorageErrors.InvalidArg($"a partition holds at least one sector ({sector} bytes)");
        }
        ulong end = part.Start + size - 1;
        if (end == part.End)
        {
            return;
        }
        if (end > part.End)
        {
            var after = table.Free.FirstOrDefault(f => f.Start == part.End + 1);
            ulong limit = after?.End ?? part.End;
            if (end > limit)
            {
                throw new StorageException(ErrorCode.OperationFailed,
                    $"operation failed: partition '{volume.Name}' can grow by at most {limit - part.End} bytes: the space after it is not free",
                    osErrno: (int)Errno.ENOSPC);
            }
        }
        bool shrink = end < part.End;
        _runner.RunChecked(PartedCommands.ResizePart(device.Path, number, end, shrink), shrink ? PartedCommands.ShrinkAnswer : null);
    }

    /// <inheritdoc/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode)
    {
        ArgumentNullException.ThrowIfNull(volume);
        RefuseExtended(volume, mode == VolumeAccessMode.Write ? "upload to" : "download from");
        return BlockVolumes.Open(NodeOf(volume), mode);
    }

    /// <inheritdoc/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        var device = RequireDevice(pool);
        var table = ReadTable(device, CancellationToken.None);
        var fresh = Volumes(pool, table, ExtendedOf(device, table)).FirstOrDefault(v => v.Name == volume.Name)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot find partition '{volume.Name}' on '{device}'");
        AddNodeFacts(fresh, []);
        volume.Type = fresh.Type;
        volume.Key = fresh.Key;
        volume.Capacity = fresh.Capacity;
        volume.Allocation = fresh.Allocation;
        volume.Target = fresh.Target;
        volume.Extents.Clear();
        volume.Extents.AddRange(fresh.Extents);
    }

    /// <summary>
    /// The volumes of a partition table (virStorageBackendDiskMakeDataVol): one per partition,
    /// named after its node, type block, key and path the node (or its stable link in the pool's
    /// target directory), one extent [start, end) on the disk; an extended partition has format
    /// "extended", allocation = the sum of its logical partitions, and does not count in the
    /// pool's allocation.
    /// </summary>
    public static IEnumerable<VolumeDefinition> Volumes(PoolDefinition pool, PartedTable table, int? extended)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(table);
        var device = Device(pool);
        var list = new List<VolumeDefinition>();
        VolumeDefinition? ext = null;
        foreach (var part in table.Partitions)
        {
            var node = PartitionNames.NodePath(device.Path, device.PartSeparator, part.Number);
            var vol = new VolumeDefinition
            {
                Name = Path.GetFileName(node),
                Type = VolumeType.Block,
                Capacity = part.Size,
                Allocation = part.Size,
            };
            vol.Target.Path = StablePath(pool, node);
            vol.Key = vol.Target.Path;
            vol.Target.Format = "none";
            vol.Extents.Add(new VolumeExtent(device.Path, part.Start, part.End + 1));
            if (part.Number == extended)
            {
                vol.Target.Format = "extended";
                vol.Allocation = 0;
                ext = vol;
            }
            list.Add(vol);
        }
        if (ext is not null)
        {
            foreach (var logical in table.Partitions.Where(p => p.Number > 4))
            {
                ext.Allocation += logical.Size;
            }
        }
        return list;
    }

    private PartitionPlan PlanFor(PoolDefinition pool, VolumeDefinition volume)
    {
        var device = RequireDevice(pool);
        var table = ReadTable(device, CancellationToken.None);
        var label = table.LibvirtLabel ?? throw NoLabel();
        if (volume.Target.Format == "extended" && label != "dos")
        {
            throw StorageErrors.ConfigUnsupported("extended partitions exist only on a 'dos' partition table");
        }
        return PartitionPlanner.Plan(table, label, ExtendedOf(device, table), volume.Target.Format, volume.Capacity);
    }

    private PartedTable ReadTable(string device, CancellationToken cancellation)
    {
        var result = _runner.Run(PartedCommands.Print(device), cancellation: cancellation);
        if (!result.Succeeded)
        {
            if (result.Stderr.Contains("unrecognised disk label", StringComparison.OrdinalIgnoreCase))
            {
                throw NoLabel();
            }
            throw _runner.Failure(result);
        }
        var table = PartedTable.Parse(result.Stdout);
        return table.LibvirtLabel is null ? throw NoLabel() : table;
    }

    private static int? ExtendedOf(string device, PartedTable table) =>
        table.LibvirtLabel == "dos" ? MbrExtended.Find(device) : null;

    // Partition nodes vanish when a disk is re-attached on a kernel without partition parsers;
    // BLKPG (partx -a) brings the missing ones back.
    private void EnsureNodes(PoolDefinition pool, PartedTable table, List<string> problems)
    {
        var device = Device(pool);
        foreach (var part in table.Partitions)
        {
            var node = PartitionNames.NodePath(device.Path, device.PartSeparator, part.Number);
            if (BlockDevice.Exists(node))
            {
                continue;
            }
            var added = _runner.Run(["partx", "-a", "--nr", part.Number.ToString(CultureInfo.InvariantCulture), device.Path]);
            if (!added.Succeeded || !BlockDevice.Exists(node))
            {
                if (!added.Succeeded)
                {
                    _runner.LogFailure(added);
                }
                problems.Add($"partition node '{node}' is missing and could not be added" +
                    (added.Succeeded ? "" : ": " + CommandRunnerExtensions.FailureSentence(added.Argv, added.ExitCode)));
            }
        }
    }

    private void WaitForNode(string device, string node, int number)
    {
        var deadline = DateTime.UtcNow + NodeWait;
        bool added = false;
        while (!BlockDevice.Exists(node))
        {
            if (!added && DateTime.UtcNow > deadline - NodeWait / 2)
            {
                _runner.Run(["partx", "-a", "--nr", number.ToString(CultureInfo.InvariantCulture), device]);
                added = true;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw StorageErrors.Internal($"partition node '{node}' did not appear");
            }
            Thread.Sleep(50);
        }
    }

    private void RemovePartition(string device, int number)
    {
        var result = _runner.Run(PartedCommands.Rm(device, number));
        if (!result.Succeeded)
        {
            _log.Error("Cannot remove half-made partition {Number} of {Device}: {Error}", number, device, result.Stderr.Trim());
        }
    }

    private static void AddNodeFacts(VolumeDefinition vol, List<string> problems)
    {
        var path = vol.Target.Path!;
        try
        {
            var st = LocalNative.Stat(path, noFollow: false);
            if (st is null)
            {
                problems.Add($"volume '{vol.Name}': partition node '{path}' does not exist");
                return;
            }
            vol.Target.Permissions = new StoragePermissions { Mode = st.Permissions, Owner = st.Uid, Group = st.Gid };
            vol.Target.Timestamps = st.Times;
        }
        catch (StorageException e)
        {
            problems.Add($"volume '{vol.Name}': {e.Message}");
        }
    }

    private static void ApplyPermissions(string node, StoragePermissions perms)
    {
        if (perms.Mode is { } mode)
        {
            File.SetUnixFileMode(node, (UnixFileMode)mode);
        }
        LocalNative.Chown(node, perms.Owner, perms.Group);
    }

    private static void RefuseExtended(VolumeDefinition volume, string what)
    {
        if (volume.Target.Format == "extended")
        {
            throw StorageErrors.ArgumentUnsupported($"cannot {what} extended partition '{volume.Target.Path}'");
        }
    }

    private static string NodeOf(VolumeDefinition volume) =>
        volume.Target.Path ?? throw StorageErrors.Internal($"volume '{volume.Name}' has no path");

    // virStorageBackendStablePath: a link in the pool's target directory (e.g. /dev/disk/by-path)
    // that resolves to the node, else the node itself.
    private static string StablePath(PoolDefinition pool, string node)
    {
        var dir = pool.Target.Path;
        if (dir is null || dir == "/dev" || dir == Path.GetDirectoryName(node) || !Directory.Exists(dir))
        {
            return node;
        }
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                var target = new FileInfo(entry).ResolveLinkTarget(returnFinalTarget: true);
                if (target is not null && target.FullName == node)
                {
                    return entry;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return node;
        }
        return node;
    }

    private static PoolSourceDevice Device(PoolDefinition pool) =>
        pool.Source.Devices.Count == 1
            ? pool.Source.Devices[0]
            : throw StorageErrors.ConfigUnsupported("expected exactly 1 device for the storage pool");

    private static string RequireDevice(PoolDefinition pool)
    {
        var path = Device(pool).Path;
        return BlockDevice.Exists(path) ? path : throw StorageErrors.InvalidArg($"device path '{path}' doesn't exist");
    }

    // The pool's label in libvirt's words: "unknown" means dos at build and start.
    private static string Label(PoolDefinition pool) =>
        pool.Source.Format is null or "unknown" ? "dos" : pool.Source.Format;

    // blkid's name for a libvirt label (PTTYPE): dvh tables are "sgi".
    private static string BlkidLabel(string label) => label == "dvh" ? "sgi" : label;

    private static StorageException NoLabel() =>
        new(ErrorCode.OperationFailed, "Storage pool probe failed: Unrecognized disk label found, requires build");
}
