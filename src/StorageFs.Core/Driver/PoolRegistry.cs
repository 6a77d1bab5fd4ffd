using StorageFs.Core.Backend;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// Every pool and fspool by (kind, name) and (kind, UUID) (libvirt's
/// <c>virStoragePoolObjList</c>, src/conf/virstorageobj.c). Its lock guards only the two maps;
/// no backend and no store is ever called under it. Lock order: the registry lock may be held
/// while taking one pool's gate (to redefine it), never the reverse.
/// </summary>
internal sealed class PoolRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(DefinitionKind, string), IPoolEntry> _byName = [];
    private readonly Dictionary<(DefinitionKind, Guid), IPoolEntry> _byUuid = [];

    /// <summary>The live entry of that kind and name, or null.</summary>
    public IPoolEntry? Find(DefinitionKind kind, string name)
    {
        lock (_gate)
        {
            return _byName.TryGetValue((kind, name), out var entry) && !entry.Removed ? entry : null;
        }
    }

    /// <summary>Every live entry (of <paramref name="kind"/> when given), sorted by name.</summary>
    public IReadOnlyList<IPoolEntry> Snapshot(DefinitionKind? kind = null)
    {
        lock (_gate)
        {
            return [.. _byName.Values
                .Where(e => !e.Removed && (kind is null || e.Kind == kind))
                .OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)
                .ThenBy(e => e.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Adds a definition or hands the existing entry of the same name and UUID to
    /// <paramref name="update"/> (virStoragePoolObjListAdd): first the source-conflict rules
    /// against every other pool, then the name/UUID rules, all under the registry lock so two
    /// concurrent defines cannot both pass.
    /// </summary>
    /// <exception cref="StorageException">PoolExists with libvirt's message, or whatever
    /// <paramref name="update"/> throws.</exception>
    private PoolConflicts.LoadIndex? _loadIndex;

    public IPoolEntry AddOrUpdate(DefinitionKind kind, string name, Guid uuid, object def, string shortNoun,
        Func<object, string?> directoryTarget, Func<IPoolEntry> create, Action<IPoolEntry> update, out bool created, bool loading = false)
    {
        lock (_gate)
        {
            // At load, definitions are only ever added: an index of their targets replaces the
            // scan of every pool loaded before (PoolConflicts.LoadIndex). The first define after
            // the load drops it.
            _loadIndex = loading ? _loadIndex ?? new PoolConflicts.LoadIndex() : null;
            if (PoolConflicts.Find(kind, def, _byName.Values, directoryTarget, loading, _loadIndex) is { } conflict)
            {
                throw Exists(conflict);
            }
            if (_byUuid.TryGetValue((kind, uuid), out var sameUuid) && !sameUuid.Removed && sameUuid.Name != name)
            {
                throw Exists($"{shortNoun} '{sameUuid.Name}' is already defined with uuid {uuid:D}");
            }
            if (_byName.TryGetValue((kind, name), out var sameName) && !sameName.Removed)
            {
                if (sameName.Uuid != uuid)
                {
                    throw Exists($"{shortNoun} '{name}' already exists with uuid {sameName.Uuid:D}");
                }
                update(sameName);
                created = false;
                return sameName;
            }
            var entry = create();
            _byName[(kind, name)] = entry;
            _byUuid[(kind, uuid)] = entry;
            _loadIndex?.Add(kind, def, directoryTarget);
            created = true;
            return entry;
        }
    }

    /// <summary>Forgets <paramref name="entry"/> (if it is still the one registered).</summary>
    public void Remove(IPoolEntry entry)
    {
        lock (_gate)
        {
            if (_byName.TryGetValue((entry.Kind, entry.Name), out var byName) && ReferenceEquals(byName, entry))
            {
                _byName.Remove((entry.Kind, entry.Name));
            }
            if (_byUuid.TryGetValue((entry.Kind, entry.Uuid), out var byUuid) && ReferenceEquals(byUuid, entry))
            {
                _byUuid.Remove((entry.Kind, entry.Uuid));
            }
        }
    }

    private static StorageException Exists(string message) =>
        new(ErrorCode.PoolExists, "operation failed: " + message);
}
