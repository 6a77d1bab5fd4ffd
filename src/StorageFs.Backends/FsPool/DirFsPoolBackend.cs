using Serilog;
using StorageFs.Backends.Dir;
using StorageFs.Backends.Files;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// The <c>dir</c> fspool of libvirt's 2016 fspool series (src/fs/fs_backend_dir.c): a host
/// directory whose subdirectories are items. Build makes the root (default mode 0755), delete
/// removes it when empty, refresh lists the subdirectories and measures each like
/// <c>du -sB1</c>; items are created with their mode (default 0700: the series' owner-only
/// 0600 plus the search bit a directory needs) and owner, copied recursively and deleted
/// recursively — never following a symlink, so nothing outside an item is read into a copy
/// or removed. Capacity is not enforced (no quota), as in the series. Stateless and thread-safe.
/// </summary>
public sealed class DirFsPoolBackend : IFsPoolBackend
{
    /// <summary>Default mode of an fspool root (the series' 0755).</summary>
    public const uint DefaultPoolMode = 0x1ED; // 0755

    /// <summary>Default mode of an item directory.</summary>
    public const uint DefaultItemMode = 0x1C0; // 0700

    private readonly ILogger _log;

    /// <summary>A dir fspool backend.</summary>
    public DirFsPoolBackend(ILogger? logger = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<DirFsPoolBackend>();
    }

    /// <inheritdoc/>
    public FsPoolBackendCapabilities Capabilities => DirFsPoolCapabilities.Value;

    /// <inheritdoc/>
    public bool CheckActive(FsPoolDefinition pool) => Directory.Exists(Root(pool));

    /// <inheritdoc/>
    public void Build(FsPoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        LocalDirectories.Create(Root(pool), pool.Target.Permissions, DefaultPoolMode);

    /// <inheritdoc/>
    public void Delete(FsPoolDefinition pool) => LocalNative.Rmdir(Root(pool), "failed to remove fspool");

    /// <inheritdoc/>
    public FsPoolRefreshResult Refresh(FsPoolDefinition pool, CancellationToken cancellation)
    {
        var root = Root(pool);
        var st = LocalDirectories.RequireDirectory(root);
        var items = new List<FsItemDefinition>();
        var problems = new List<string>();
        foreach (var name in LocalDirectories.ListableNames(root))
        {
            cancellation.ThrowIfCancellationRequested();
            var entry = LocalNative.TryStat(Path.Combine(root, name), followSymlinks: false);
            if (entry?.Kind != FileKind.Directory)
            {
                _log.Debug("fspool {Pool}: {Name} is not a directory, not an item", pool.Name, name);
                continue;
            }
            var item = new FsItemDefinition { Name = name };
            try
            {
                Describe(root, item, entry);
            }
            catch (StorageException e)
            {
                problems.Add($"item '{name}': {e.Message}");
            }
            items.Add(item);
        }
        var space = FileFacts.GetPoolSpace(root);
        return new FsPoolRefreshResult(new PoolSizes(space.Capacity, space.Allocation, space.Available), items,
            LocalDirectories.PermissionsOf(st), problems);
    }

    /// <inheritdoc/>
    public void CreateItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        var path = FsItemDirectory.Create(Root(pool), item.Name,
            (UnixFileMode)(item.Permissions.Mode ?? DefaultItemMode), item.Permissions.Owner, item.Permissions.Group);
        item.Path = path;
        item.Key = path;
    }

    /// <inheritdoc/>
    public void CloneItem(FsPoolDefinition pool, FsItemDefinition item, FsPoolDefinition sourcePool,
        FsItemDefinition source, IOperationProgress progress, CancellationToken cancellation)
    {
        FsItemDirectory.ValidateName(source.Name);
        var from = Path.Combine(Root(sourcePool), source.Name);
        var st = LocalNative.TryStat(from, followSymlinks: false);
        if (st?.Kind != FileKind.Directory)
        {
            throw StorageErrors.System(LibC.ENOTDIR, $"cannot copy item '{from}'");
        }
        item.Permissions.Mode ??= (uint)st.Mode & 0x1FF;
        CreateItem(pool, item);
        try
        {
            progress.SetTotal(ItemTree.DataBytes(from, cancellation));
            ItemTree.Copy(from, item.Path!, progress, cancellation);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            FsItemDirectory.Delete(Root(pool), item.Name);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw StorageErrors.Io(e, $"cannot copy item '{from}' to '{item.Path}'");
            }
            throw;
        }
    }

    /// <inheritdoc/>
    public void DeleteItem(FsPoolDefinition pool, FsItemDefinition item, CancellationToken cancellation) =>
        FsItemDirectory.Delete(Root(pool), item.Name);

    /// <inheritdoc/>
    public void RefreshItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        FsItemDirectory.ValidateName(item.Name);
        var root = Root(pool);
        var st = LocalNative.TryStat(Path.Combine(root, item.Name), followSymlinks: false);
        if (st?.Kind != FileKind.Directory)
        {
            throw StorageErrors.System(LibC.ENOENT, $"cannot stat item '{Path.Combine(root, item.Name)}'");
        }
        Describe(root, item, st);
    }

    // Path, key, actual permissions and du-style allocation; capacity is the document's
    // (unenforced, lost on a pool refresh as in the series) but never below the allocation.
    private static void Describe(string root, FsItemDefinition item, FileStatus st)
    {
        item.Path = Path.Combine(root, item.Name);
        item.Key = item.Path;
        item.Permissions = LocalDirectories.PermissionsOf(st);
        item.Allocation = (ulong)FsItemDirectory.MeasureAllocation(root, item.Name);
        item.Capacity = Math.Max(item.Capacity, item.Allocation);
    }

    private static string Root(FsPoolDefinition pool) =>
        pool.Target.Path ?? throw StorageErrors.Internal($"fspool '{pool.Name}' has no target path");

}
