using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// The backends StorageFs runs with, one per pool type and one per fspool type, fixed at
/// start-up (libvirt's <c>virStorageBackendRegister</c> list, src/storage/storage_backend.c).
/// Backends/BackendRegistry.cs builds the production table; the driver only reads it.
/// Immutable and thread-safe.
/// </summary>
public sealed class BackendTable
{
    private readonly Dictionary<PoolType, IPoolBackend> _pools = [];
    private readonly Dictionary<FsPoolType, IFsPoolBackend> _fsPools = [];

    /// <summary>A table of <paramref name="pools"/> and <paramref name="fsPools"/>, with the
    /// host services shared by every type (null: the host has none, and what needs them fails
    /// with NoSupport).</summary>
    /// <exception cref="ArgumentException">Two backends claim the same type.</exception>
    public BackendTable(IEnumerable<IPoolBackend> pools, IEnumerable<IFsPoolBackend> fsPools,
        IVolumeFilesystems? filesystems = null, IHostInventory? inventory = null)
    {
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(fsPools);
        Filesystems = filesystems;
        Inventory = inventory;
        foreach (var backend in pools)
        {
            if (!_pools.TryAdd(backend.Capabilities.Type, backend))
            {
                throw new ArgumentException($"two backends for pool type '{backend.Capabilities.Type.ToXml()}'", nameof(pools));
            }
        }
        foreach (var backend in fsPools)
        {
            if (!_fsPools.TryAdd(backend.Capabilities.Type, backend))
            {
                throw new ArgumentException($"two backends for fspool type '{backend.Capabilities.Type}'", nameof(fsPools));
            }
        }
    }

    /// <summary>Filesystem probes and tools on volume bytes (info, growfs, shrinkfs), or null.</summary>
    public IVolumeFilesystems? Filesystems { get; }

    /// <summary>The host's storage inventory (the <c>node</c> file), or null.</summary>
    public IHostInventory? Inventory { get; }

    /// <summary>Capabilities of every pool backend, in pool type order.</summary>
    public IReadOnlyList<PoolBackendCapabilities> PoolCapabilities =>
        [.. _pools.Values.Select(b => b.Capabilities).OrderBy(c => c.Type)];

    /// <summary>Capabilities of every fspool backend.</summary>
    public IReadOnlyList<FsPoolBackendCapabilities> FsPoolCapabilities =>
        [.. _fsPools.Values.Select(b => b.Capabilities).OrderBy(c => c.Type)];

    /// <summary>The backend of <paramref name="type"/>, or null.</summary>
    public IPoolBackend? Find(PoolType type) => _pools.GetValueOrDefault(type);

    /// <summary>The fspool backend of <paramref name="type"/>, or null.</summary>
    public IFsPoolBackend? Find(FsPoolType type) => _fsPools.GetValueOrDefault(type);

    /// <summary>The backend of <paramref name="type"/>.</summary>
    /// <exception cref="StorageException">NoSupport (EOPNOTSUPP) with libvirt's text "internal error: missing backend for pool type N (name)",
    /// libvirt's message (<c>virStorageBackendForType</c>).</exception>
    public IPoolBackend Get(PoolType type) =>
        Find(type) ?? throw new StorageException(ErrorCode.NoSupport, $"internal error: missing backend for pool type {(int)type} ({type.ToXml()})");

    /// <summary>The fspool backend of <paramref name="type"/>.</summary>
    /// <exception cref="StorageException">InternalError naming the type.</exception>
    public IFsPoolBackend Get(FsPoolType type) =>
        Find(type) ?? throw new StorageException(ErrorCode.NoSupport, $"internal error: missing backend for fspool type {(int)type} ({type.ToString().ToLowerInvariant()})");
}
