using System.Globalization;
using System.Xml.Linq;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Interop;

namespace StorageFs.Core.Driver;

/// <summary>
/// The image toolbox of a volume's <c>ctl</c>: clone into any pool and format, snapshot,
/// archive and restore. Each checks everything it can before anything changes, then runs as a
/// job; the host work is the <see cref="IVolumeToolbox"/>'s.
/// </summary>
public sealed partial class StorageDriver
{
    private IVolumeToolbox Toolbox => _options.Toolbox
        ?? throw StorageErrors.NoSupport("this daemon runs without the volume toolbox (archive, restore, snapshot)");

    /// <summary>
    /// <c>clone NEW [pool=P2] [format=F] [reflink|copy] [prealloc]</c>: a copy of
    /// <paramref name="volume"/> named <paramref name="newName"/> in <paramref name="targetPool"/>
    /// (default: the same pool), converted to <paramref name="format"/> when given.
    /// <paramref name="flags"/> carries Reflink (demanded), PreferReflink (the default) or
    /// neither (a plain copy); <paramref name="prealloc"/> allocates all of it (qcow2: its metadata).
    /// </summary>
    public StorageJob StartCloneVolumeAs(string pool, string volume, string newName, string? targetPool, string? format,
        VolumeCreateFlags flags, bool prealloc, JobRequester? requester = null)
    {
        NameRules.Validate(NameKind.Volume, newName);
        string into = targetPool ?? pool;
        var source = GetVolumeInfo(pool, volume);
        var entry = _pools.Get(into);
        PoolBackendCapabilities caps;
        lock (entry.Gate)
        {
            _pools.RequireActive(entry);
            // The driver calls a taken name an internal error (libvirt's storageVolCreateXMLFrom);
            // for the tree it is EEXIST, as for create.
            if (entry.Children.ContainsKey(newName))
            {
                throw StorageErrors.VolumeExists($"'{newName}'");
            }
            caps = _backends.Get(entry.Def.Type).Capabilities;
        }
        XElement doc;
        if (into == pool)
        {
            doc = XElement.Parse(GetVolumeXml(pool, volume));
            doc.Element("key")?.Remove();
            doc.Element("target")?.Element("path")?.Remove();
            if (format is not null)
            {
                doc.Element("backingStore")?.Remove();
            }
        }
        else
        {
            // Another pool (maybe of another type): only what carries over, capacity and format.
            doc = new XElement("volume", new XElement("name"),
                new XElement("capacity", source.Capacity.ToString(CultureInfo.InvariantCulture)),
                new XElement("allocation", "0"));
            string? carried = source.Type == VolumeType.File && source.Format is { } f && caps.SupportsFormat(f) ? f : null;
            format ??= carried;
        }
        doc.Element("name")!.Value = newName;
        var target = doc.Element("target") ?? new XElement("target");
        if (target.Parent is null)
        {
            doc.Add(target);
        }
        if (format is not null)
        {
            target.Element("format")?.Remove();
            target.Add(new XElement("format", new XAttribute("type", format)));
        }
        if (prealloc)
        {
            string outFormat = (string?)target.Element("format")?.Attribute("type") ?? caps.DefaultVolumeFormat ?? "raw";
            if (outFormat == "qcow2")
            {
                flags |= VolumeCreateFlags.PreallocMetadata;
            }
            else
            {
                doc.Element("allocation")?.Remove();
                doc.Add(new XElement("allocation", source.Capacity.ToString(CultureInfo.InvariantCulture)));
            }
        }
        return StartCloneVolume(into, doc.ToString(), pool, volume, flags, afterBuild: null, requester);
    }

    /// <summary>
    /// <c>snapshot NEW</c>: a cheap, writable, point-in-time copy: a copy-on-write clone of a new
    /// protected snapshot where the pool's clones are such (rbd), a reflink of a raw file where
    /// the file system shares blocks (xfs, btrfs), else a qcow2 overlay backed by the volume (which
    /// must then stay unchanged). Logical pools would take an LVM snapshot, which needs
    /// device-mapper: refused here (EOPNOTSUPP), as is any pool that can do none of these.
    /// </summary>
    public StorageJob StartSnapshotVolume(string pool, string volume, string newName, JobRequester? requester = null)
    {
        NameRules.Validate(NameKind.Volume, newName);
        var entry = _pools.Get(pool);
        PoolDefinition def;
        VolumeDefinition source;
        lock (entry.Gate)
        {
            _pools.RequireActive(entry);
            var child = _pools.RequireChild(entry, volume);
            PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireShareable(child, volume);
            if (entry.Children.ContainsKey(newName))
            {
                throw StorageErrors.VolumeExists($"'{newName}'");
            }
            def = entry.Def;
            source = child.Def;
        }
        var caps = _backends.Get(def.Type).Capabilities;
        const string Which = "snapshots are reflinks on xfs or btrfs or qcow2 overlays (dir, fs, netfs pools with qemu-img), " +
            "or LVM snapshots (logical pools, with device-mapper); 'clone' copies the volume instead";
        if (caps.SnapshotRefusal is { } refusal)
        {
            throw StorageErrors.NoSupport($"{refusal}: {Which}");
        }
        if (caps.SnapshotIsClone)
        {
            // rbd: a protected snapshot of the volume and a copy-on-write clone of it.
            var clone = new XElement("volume", new XElement("name", newName),
                new XElement("capacity", source.Capacity.ToString(CultureInfo.InvariantCulture)));
            return StartCloneVolume(pool, clone.ToString(), pool, volume, VolumeCreateFlags.None, afterBuild: null, requester);
        }
        string? directory = _poolFlavor.DirectoryTarget(def);
        string format = source.Target.Format ?? "raw";
        if (directory is null || source.Type != VolumeType.File || source.Target.Path is null)
        {
            throw StorageErrors.NoSupport($"a '{def.Type.ToXml()}' pool cannot snapshot its volumes: {Which}");
        }
        string of = $"{pool}/{volume}";
        if (format == "raw" && Toolbox.CanReflink(directory))
        {
            var doc = new XElement("volume", new XElement("name", newName),
                new XElement("capacity", source.Capacity.ToString(CultureInfo.InvariantCulture)),
                new XElement("allocation", "0"),
                new XElement("target", new XElement("format", new XAttribute("type", "raw"))));
            return StartCloneVolume(pool, doc.ToString(), pool, volume, VolumeCreateFlags.Reflink,
                (_, made) => Toolbox.MarkSnapshot(made.Target.Path!, of), requester);
        }
        if (caps.SupportsFormat("qcow2") && format is "raw" or "qcow2")
        {
            var doc = new XElement("volume", new XElement("name", newName),
                new XElement("capacity", source.Capacity.ToString(CultureInfo.InvariantCulture)),
                new XElement("target", new XElement("format", new XAttribute("type", "qcow2"))),
                new XElement("backingStore", new XElement("path", source.Target.Path),
                    new XElement("format", new XAttribute("type", format))));
            return StartCreateVolume(pool, doc.ToString());
        }
        throw StorageErrors.NoSupport($"a '{format}' volume on this file system cannot be snapshot: {Which}");
    }

    /// <summary>
    /// <c>archive DEST [compress=…] [snapshot] [overwrite]</c>: the volume's bytes, compressed,
    /// into a new volume of a file pool or a file under an allowed directory. Writers are kept off
    /// the volume while it is read; with <see cref="ArchiveOptions.Snapshot"/> the bytes are first
    /// shared into an unnamed reflink (where the file system can) and the volume is free again
    /// at once.
    /// </summary>
    public StorageJob StartArchiveVolume(string pool, string volume, VolumePlace destination, ArchiveOptions options, JobRequester? requester = null)
    {
        var toolbox = Toolbox;
        if (!toolbox.Compressors.Contains(options.Compression))
        {
            throw StorageErrors.NoSupport($"'{options.Compression.ToString().ToLowerInvariant()}' is not installed on this host " +
                $"(installed: {string.Join(", ", toolbox.Compressors.Select(c => c.ToString().ToLowerInvariant()))})");
        }
        var entry = _pools.Get(pool);
        var source = LeaseSource(entry, volume, "archiving");
        var release = source.Release;
        try
        {
            var dest = ReserveArchive(destination, options.Overwrite, source);
            return Jobs.Start(JobKind.VolumeArchive, DefinitionKind.Pool, pool, volume, requester,
                (job, token) =>
                {
                    SafeFileHandle? snapshot = null;
                    try
                    {
                        using var fd = OpenLeased(source);
                        if (options.Snapshot && source.Directory is { } dir && (snapshot = toolbox.ShareUnnamed(fd, dir)) is not null)
                        {
                            Interlocked.Exchange(ref release, null)?.Invoke();
                        }
                        dest.Recheck();
                        toolbox.Archive(snapshot ?? fd, dest.Directory, dest.Name, options.Overwrite, options.Compression, job, token);
                        dest.Refresh();
                    }
                    finally
                    {
                        snapshot?.Dispose();
                    }
                },
                ok =>
                {
                    Interlocked.Exchange(ref release, null)?.Invoke();
                    dest.End(ok);
                    if (ok)
                    {
                        _pools.Raise(StorageEventKind.VolumeArchived, entry, volume);
                    }
                });
        }
        catch
        {
            Interlocked.Exchange(ref release, null)?.Invoke();
            throw;
        }
    }

    /// <summary>
    /// <c>restore SRC</c>: fills this raw (or block) volume with the bytes of another volume or
    /// file, decompressed when it is an archive; SRC must expand to no more than the volume,
    /// the rest reads as zeros. Refused (EBUSY) while the volume is open.
    /// </summary>
    public StorageJob StartRestoreVolume(string pool, string volume, VolumePlace from, JobRequester? requester = null)
    {
        var toolbox = Toolbox;
        var (entry, def, vol, backend) = RestoreTarget(pool, volume);
        bool rawFile = vol.Type == VolumeType.File;
        string? directory = _poolFlavor.DirectoryTarget(def);
        if (from.Pool == pool && from.Name == volume)
        {
            throw StorageErrors.InvalidArg($"'{from}' is the volume itself");
        }
        // The source: a volume leased as a clone's source is, or a file under an allowed directory.
        SourceLease? lease = null;
        SafeFileHandle source;
        if (from.Pool is { } sourcePool)
        {
            lease = LeaseSource(_pools.Get(sourcePool), from.Name, "restoring from");
            try
            {
                source = OpenLeased(lease);
            }
            catch
            {
                lease.Release();
                throw;
            }
        }
        else
        {
            var resolved = Policy.CheckLinkFree(from.Name);
            source = toolbox.OpenFile(Path.GetDirectoryName(resolved)!, Path.GetFileName(resolved));
        }
        ChildEntry<VolumeDefinition> marked;
        try
        {
            var facts = toolbox.Probe(source);
            if (facts.ExpandedSize > (long)vol.Capacity)
            {
                throw new StorageException(ErrorCode.OperationFailed,
                    $"'{from}' holds {facts.ExpandedSize} bytes, more than the {vol.Capacity} of volume '{volume}': resize the volume first",
                    osErrno: (int)Errno.ENOSPC);
            }
            (_, _, marked, _) = BeginVolumeChange(entry, volume, PoolOperations.UploadVolume, "storage pool doesn't support volume upload");
            return Jobs.Start(JobKind.VolumeRestore, DefinitionKind.Pool, pool, volume, requester,
                (job, token) =>
                {
                    _pools.RecheckTarget(def);
                    if (rawFile && directory is not null)
                    {
                        toolbox.RestoreFile(directory, vol.Name, (long)vol.Capacity, source, facts, job, token);
                        return;
                    }
                    using var data = backend.OpenVolume(def, DefinitionCopy.Of(vol), VolumeAccessMode.Write);
                    using var target = data.HasDescriptor ? data.TakeDescriptor()
                        : throw StorageErrors.NoSupport($"volume '{volume}' is served as a stream: restore needs its descriptor");
                    toolbox.RestoreInPlace(target, (long)vol.Capacity, source, facts, job, token);
                },
                ok =>
                {
                    source.Dispose();
                    lease?.Release();
                    VolumeDefinition? refreshed = null;
                    try
                    {
                        refreshed = RefreshedCopy(backend, def, vol);
                    }
                    catch (StorageException e)
                    {
                        _log.Error("Cannot re-read volume {Volume} of pool {Pool} after a restore: {Error}", volume, pool, e.Message);
                    }
                    EndVolumeChange(entry, marked, refreshed);
                    if (ok)
                    {
                        _pools.Raise(StorageEventKind.VolumeRestored, entry, volume);
                    }
                });
        }
        catch
        {
            source.Dispose();
            lease?.Release();
            throw;
        }
    }

    /// <summary>The lines <c>vol/V/info</c> adds for the toolbox: what the volume is a snapshot
    /// of, and for an archive its compressor and expanded size. The marks are read through the
    /// descriptor the pool's backend opens for the volume (as for the Filesystem probe), never
    /// by a path another user could swap for a link.</summary>
    public string DescribeVolumeContent(string pool, string volume)
    {
        if (_options.Toolbox is not { } toolbox)
        {
            return "";
        }
        if (BuiltVolume(pool, volume) is not var (_, def, vol, backend))
        {
            return "";
        }
        if (vol.Type == VolumeType.Network && backend.Capabilities.SnapshotIsClone)
        {
            string? parent = backend.CloneParent(def, vol);
            return "Snapshot of:".PadRight(15) + " " + (parent is null ? "-" : parent + " (copy-on-write clone)") + "\n";
        }
        if (vol.Type != VolumeType.File || vol.Target.Path is null)
        {
            return "";
        }
        string? marked = null;
        ArchiveFacts? facts = null;
        try
        {
            if (!backend.Capabilities.Supports(PoolOperations.DownloadVolume))
            {
                throw StorageErrors.NoSupport("storage pool doesn't support volume download");
            }
            _pools.RecheckTarget(def);
            using var data = backend.OpenVolume(def, DefinitionCopy.Of(vol), VolumeAccessMode.Read);
            if (data.HasDescriptor)
            {
                using var fd = data.TakeDescriptor();
                marked = toolbox.SnapshotOf(fd);
                facts = toolbox.Probe(fd);
            }
        }
        catch (StorageException e)
        {
            _log.Debug("Cannot probe volume {Volume} of pool {Pool} for the toolbox: {Error}", volume, pool, e.Message);
        }
        var sb = new System.Text.StringBuilder();
        string? backing = vol.BackingStore?.Path;
        string? of = marked is not null ? $"{marked} (reflink)"
            : backing is not null ? (FindVolume(v => v.Target.PathIs(backing)) is { } b ? $"{b.Pool}/{b.Name}" : backing) + " (qcow2 overlay)"
            : null;
        sb.Append("Snapshot of:".PadRight(15)).Append(' ').Append(of ?? "-").Append('\n');
        if (facts is { Compression: { } kind } archive)
        {
            sb.Append("Compressed:".PadRight(15)).Append(' ').Append(kind.ToString().ToLowerInvariant()).Append('\n');
            sb.Append("Expands to:".PadRight(15)).Append(' ')
                .Append(archive.ExpandedSize >= 0 ? archive.ExpandedSize.ToString(CultureInfo.InvariantCulture) + " bytes" : "unknown").Append('\n');
        }
        return sb.ToString();
    }

    // A volume read by a job: marked in use (writers refused, as for a clone's source) until Release.
    private sealed record SourceLease(PoolDefinition Def, VolumeDefinition Vol, IPoolBackend Backend, string? Directory, Action Release);

    private SourceLease LeaseSource(PoolEntry<PoolDefinition, VolumeDefinition> entry, string volume, string what)
    {
        IPoolBackend? backend = null;
        var held = _pools.HoldSource(entry, target: null, volume, (def, child) =>
        {
            PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireShareable(child, volume);
            backend = _backends.Get(def.Type);
            if (!backend.Capabilities.Supports(PoolOperations.DownloadVolume))
            {
                throw StorageErrors.NoSupport($"storage pool doesn't support volume download ({what} '{volume}')");
            }
        });
        return new SourceLease(held.Def, held.Child, backend!, _poolFlavor.DirectoryTarget(held.Def), held.Release);
    }

    private SafeFileHandle OpenLeased(SourceLease lease)
    {
        _pools.RecheckTarget(lease.Def);
        using var data = lease.Backend.OpenVolume(lease.Def, DefinitionCopy.Of(lease.Vol), VolumeAccessMode.Read);
        return data.HasDescriptor ? data.TakeDescriptor()
            : throw StorageErrors.NoSupport($"volume '{lease.Vol.Name}' is served as a stream: the toolbox needs its descriptor");
    }

    // Where an archive goes, reserved: a new volume listed as building (or an existing one held
    // exclusively, with overwrite), or a file under an allowed directory.
    private sealed record ArchiveDestination(string Directory, string Name, Action Recheck, Action Refresh, Action<bool> End);

    private ArchiveDestination ReserveArchive(VolumePlace place, bool overwrite, SourceLease source)
    {
        var toolbox = Toolbox;
        if (place.Pool is null)
        {
            var resolved = Policy.CheckLinkFree(place.Name);
            if (resolved == source.Vol.Target.Path)
            {
                throw StorageErrors.InvalidArg($"'{place}' is the volume itself");
            }
            string dir = Path.GetDirectoryName(resolved)!;
            string name = Path.GetFileName(resolved);
            if (!overwrite && toolbox.Exists(dir, name))
            {
                throw new StorageException(ErrorCode.VolExists, $"'{resolved}' exists: write 'overwrite' to replace it");
            }
            return new ArchiveDestination(dir, name, () => { }, () => { }, _ => { });
        }
        NameRules.Validate(NameKind.Volume, place.Name);
        var entry = _pools.Get(place.Pool);
        PoolDefinition def;
        IPoolBackend backend;
        string directory;
        lock (entry.Gate)
        {
            _pools.RequireActive(entry);
            def = entry.Def;
            backend = _backends.Get(def.Type);
            directory = _poolFlavor.DirectoryTarget(def)
                ?? throw StorageErrors.NoSupport($"a '{def.Type.ToXml()}' pool cannot hold archives: archive into a dir, fs or netfs pool, or a file");
            if (!entry.Children.ContainsKey(place.Name))
            {
                var vol = new VolumeDefinition { Name = place.Name, Type = VolumeType.File };
                vol.Target.Format = "raw";
                vol.Target.Path = Path.Combine(directory, place.Name);
                vol.Key = vol.Target.Path;
                var reserved = new ChildEntry<VolumeDefinition>(vol, building: true);
                entry.Children[place.Name] = reserved;
                entry.Touch(place.Name);
                entry.AsyncJobs++;
                var work = DefinitionCopy.Of(vol);
                return new ArchiveDestination(directory, place.Name, () => _pools.RecheckTarget(def),
                    () => backend.RefreshVolume(def, work), ok => _pools.CommitNewChild(entry, reserved, work, ok));
            }
        }
        if (!overwrite)
        {
            throw StorageErrors.VolumeExists($"'{place.Name}'");
        }
        if (place.Pool == source.Def.Name && place.Name == source.Vol.Name)
        {
            throw StorageErrors.InvalidArg($"'{place}' is the volume itself");
        }
        var (_, existing, marked, _) = BeginVolumeChange(entry, place.Name, PoolOperations.UploadVolume, "storage pool doesn't support volume upload");
        VolumeDefinition? refreshed = null;
        return new ArchiveDestination(directory, place.Name, () => _pools.RecheckTarget(def),
            () => refreshed = RefreshedCopy(backend, def, existing),
            _ =>
            {
                EndVolumeChange(entry, marked, refreshed);
                if (refreshed is not null)
                {
                    _pools.Raise(StorageEventKind.VolumeWritten, entry, place.Name);
                }
            });
    }
}
