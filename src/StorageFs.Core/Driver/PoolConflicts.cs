using System.Runtime.CompilerServices;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// Duplicate-source rules: libvirt's <c>virStoragePoolObjSourceFindDuplicate</c>
/// (src/conf/virstorageobj.c) per existing pool type — netfs host+dir, gluster host+name+dir,
/// fs/logical/disk/zfs device path (across those four types), iscsi IQN + initiator, scsi
/// adapter, one mpath pool, sheepdog host, vstorage name; rbd and iscsi-direct never — and one
/// rule libvirt lacks: any two pools or fspools whose targets are data directories conflict
/// when the directories are the same, compared by resolved real path and by (device, inode),
/// so symlinks, "/a/../b" spellings, bind mounts and different pool types are caught; and the
/// backends' source keys (<see cref="IPoolBackend.SourceKeys"/>), which libvirt lacks too: one
/// volume group however it is named (by UUID), one server however it is spelled (localhost,
/// 127.0.0.1, the host's name: by address). A pool
/// never conflicts with itself (same kind and name: a redefinition).
/// </summary>
internal static class PoolConflicts
{
    /// <summary>The libvirt-style message naming the first pool <paramref name="candidate"/>
    /// conflicts with, or null.</summary>
    /// <param name="kind">The candidate's kind.</param>
    /// <param name="candidate">A <see cref="PoolDefinition"/> or <see cref="FsPoolDefinition"/>.</param>
    /// <param name="others">Every registered pool of both kinds.</param>
    /// <param name="directoryTarget">The directory target of a definition, or null when its
    /// target is not a data directory.</param>
    /// <param name="loading">At load: the targets of the definitions loaded so far are the
    /// ones resolved as each was added (one resolve per pool; see <c>TargetLifetimeMs</c>).</param>
    public static string? Find(DefinitionKind kind, object candidate, IEnumerable<IPoolEntry> others,
        Func<object, string?> directoryTarget, bool loading = false, LoadIndex? index = null)
    {
        var name = NameOf(candidate);
        var target = TargetOf(candidate, directoryTarget, fresh: true);
        if (index is not null && OnlyTargetRule(candidate))
        {
            return index.Find(kind, name, target);
        }
        foreach (var other in others)
        {
            if (other.Removed || (other.Kind == kind && other.Name == name))
            {
                continue;
            }
            foreach (var existing in new[] { other.Definition, other.PendingDefinition })
            {
                if (existing is null)
                {
                    continue;
                }
                bool conflict = (target is not null && target.Same(TargetOf(existing, directoryTarget, fresh: false, loading))) ||
                    (existing is PoolDefinition e && candidate is PoolDefinition c && SourceMatches(e, c)) ||
                    KeysMeet(existing, candidate);
                if (conflict)
                {
                    return Message(kind, other.Kind, other.Name);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Whether only the directory-target rule can find a conflict for <paramref name="candidate"/>:
    /// a dir pool or an fspool (no source rule names their types) without source keys.
    /// </summary>
    private static bool OnlyTargetRule(object candidate) =>
        candidate is FsPoolDefinition or PoolDefinition { Type: PoolType.Dir } &&
        !(s_keys.TryGetValue(candidate, out var keys) && keys.Count > 0);

    /// <summary>
    /// The targets of the definitions loaded so far, by resolved path and by (device, inode):
    /// at load a dir pool or fspool is checked against it at once instead of against every
    /// pool loaded before it (10,000 pools took 124 s of CPU before the mount; docs/PERFORMANCE.md).
    /// Definitions are only added while loading, so the index stays exact.
    /// </summary>
    internal sealed class LoadIndex
    {
        private readonly Dictionary<string, (DefinitionKind Kind, string Name)> _byPath = new(StringComparer.Ordinal);
        private readonly Dictionary<FileIdentity, (DefinitionKind Kind, string Name)> _byIdentity = new();

        public string? Find(DefinitionKind kind, string name, Target? target)
        {
            if (target is null)
            {
                return null;
            }
            if (_byPath.TryGetValue(target.Resolved, out var hit) && !(hit.Kind == kind && hit.Name == name))
            {
                return Message(kind, hit.Kind, hit.Name);
            }
            if (target.Identity is { } id && _byIdentity.TryGetValue(id, out hit) && !(hit.Kind == kind && hit.Name == name))
            {
                return Message(kind, hit.Kind, hit.Name);
            }
            return null;
        }

        /// <summary>Records a definition just registered (its target was resolved when it was checked).</summary>
        public void Add(DefinitionKind kind, object def, Func<object, string?> directoryTarget)
        {
            if (TargetOf(def, directoryTarget, fresh: false, loading: true) is not { } target)
            {
                return;
            }
            _byPath.TryAdd(target.Resolved, (kind, NameOf(def)));
            if (target.Identity is { } id)
            {
                _byIdentity.TryAdd(id, (kind, NameOf(def)));
            }
        }
    }

    // The backends' source keys (IPoolBackend.SourceKeys) of each definition, looked up before
    // the registry lock is taken: a volume group by UUID, a server by its addresses.
    private static readonly ConditionalWeakTable<object, IReadOnlyList<string>> s_keys = new();

    /// <summary>Records <paramref name="def"/>'s source keys (looked up outside every lock).</summary>
    public static void RememberKeys(object def, IReadOnlyList<string> keys) => s_keys.AddOrUpdate(def, keys);

    /// <summary>Whether <paramref name="def"/>'s source keys are recorded.</summary>
    public static bool HasKeys(object def) => s_keys.TryGetValue(def, out _);

    private static bool KeysMeet(object existing, object candidate) =>
        s_keys.TryGetValue(candidate, out var c) && c.Count > 0 &&
        s_keys.TryGetValue(existing, out var e) && e.Any(k => c.Contains(k, StringComparer.Ordinal));

    private static string Message(DefinitionKind kind, DefinitionKind existingKind, string existingName)
    {
        var what = kind == DefinitionKind.Pool ? "Storage" : "FS";
        var of = existingKind == DefinitionKind.Pool ? "pool" : "fspool";
        return $"{what} source conflict with {of}: '{existingName}'";
    }

    private static string NameOf(object def) => def switch
    {
        PoolDefinition p => p.Name,
        FsPoolDefinition f => f.Name,
        _ => throw new ArgumentException("not a pool definition", nameof(def)),
    };

    // virStoragePoolObjSourceFindDuplicateCb, keyed on the existing pool's type.
    internal static bool SourceMatches(PoolDefinition existing, PoolDefinition candidate)
    {
        var e = existing.Source;
        var c = candidate.Source;
        return existing.Type switch
        {
            PoolType.NetFs => candidate.Type == PoolType.NetFs &&
                SamePath(e.Dir, c.Dir) && SingleHostMatch(e, c),
            PoolType.Gluster => candidate.Type == PoolType.Gluster &&
                e.Name == c.Name && SamePath(e.Dir, c.Dir) && SingleHostMatch(e, c),
            PoolType.Fs or PoolType.Logical or PoolType.Disk or PoolType.Zfs =>
                candidate.Type is PoolType.Fs or PoolType.Logical or PoolType.Disk or PoolType.Zfs &&
                AnyDeviceMatch(e, c),
            PoolType.Iscsi => candidate.Type == PoolType.Iscsi &&
                AnyDeviceMatch(e, c) && e.InitiatorIqn == c.InitiatorIqn,
            PoolType.Scsi => candidate.Type == PoolType.Scsi && SameAdapter(e.Adapter, c.Adapter),
            PoolType.Mpath => candidate.Type == PoolType.Mpath,
            PoolType.Sheepdog => candidate.Type == PoolType.Sheepdog && SingleHostMatch(e, c),
            PoolType.Vstorage => candidate.Type == PoolType.Vstorage && e.Name == c.Name,
            _ => false,
        };
    }

    // virStoragePoolSourceMatchSingleHost: names equal and, when the new one gives a port, ports equal.
    private static bool SingleHostMatch(PoolSource existing, PoolSource candidate)
    {
        if (existing.Hosts.Count == 0 || candidate.Hosts.Count == 0 ||
            (existing.Hosts.Count != 1 && candidate.Hosts.Count != 1))
        {
            return false;
        }
        var e = existing.Hosts[0];
        var c = candidate.Hosts[0];
        return string.Equals(e.Name, c.Name, StringComparison.OrdinalIgnoreCase) &&
            (c.Port == 0 || c.Port == e.Port);
    }

    // Device paths compared after resolving symlinks (/dev/disk/by-id/… and /dev/sdb are one disk).
    private static bool AnyDeviceMatch(PoolSource existing, PoolSource candidate) =>
        existing.Devices.Any(e => candidate.Devices.Any(c => SamePath(e.Path, c.Path)));

    private static bool SamePath(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a == b;
        }
        if (a == b)
        {
            return true;
        }
        return a.StartsWith('/') && b.StartsWith('/') && Resolve(a) == Resolve(b);
    }

    private static bool SameAdapter(StorageAdapter? e, StorageAdapter? c)
    {
        if (e is null || c is null || e.Type != c.Type)
        {
            return false;
        }
        if (e.Type == AdapterType.FcHost)
        {
            return string.Equals(e.Wwnn, c.Wwnn, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(e.Wwpn, c.Wwpn, StringComparison.OrdinalIgnoreCase);
        }
        if (e.Name is not null && c.Name is not null)
        {
            return HostNumber(e.Name) == HostNumber(c.Name);
        }
        return e.ParentAddress is not null && e.ParentAddress == c.ParentAddress && e.UniqueId == c.UniqueId;
    }

    // "scsi_host3" and "host3" name the same SCSI host (virSCSIHostGetNumber).
    private static string HostNumber(string name) =>
        name.StartsWith("scsi_", StringComparison.Ordinal) ? name[5..] : name;

    private static string Resolve(string path)
    {
        try
        {
            return TargetPathPolicy.Resolve(path);
        }
        catch (StorageException)
        {
            return path;
        }
    }

    // Resolving a target costs a readlink and a stat per path component, and every define is
    // compared with every registered pool, so loading or defining n pools resolved n²/2 paths
    // (1,000 pools: half a million). A registered definition's target is resolved at most once
    // per TargetLifetimeMs and reused meanwhile; a candidate's is always resolved afresh. At load
    // the lifetime does not apply: loading 10,000 pools took longer than it, so every target
    // was resolved again and again (128 s of a 10,000-pool mount; docs/PERFORMANCE.md).
    private const long TargetLifetimeMs = 2000;
    private static readonly ConditionalWeakTable<object, Target> s_targets = new();

    private static Target? TargetOf(object def, Func<object, string?> directoryTarget, bool fresh, bool loading = false)
    {
        if (directoryTarget(def) is not { } path)
        {
            return null;
        }
        long now = Environment.TickCount64;
        if (!fresh && s_targets.TryGetValue(def, out var cached) && cached.Path == path && (loading || now - cached.ResolvedAt < TargetLifetimeMs))
        {
            return cached;
        }
        var target = new Target(path, Resolve(path), FileIdentity.Of(path), now);
        s_targets.AddOrUpdate(def, target);
        return target;
    }

    internal sealed record Target(string Path, string Resolved, FileIdentity? Identity, long ResolvedAt)
    {
        public bool Same(Target? other) =>
            other is not null &&
            (Resolved == other.Resolved || (Identity is not null && Identity == other.Identity));
    }
}
