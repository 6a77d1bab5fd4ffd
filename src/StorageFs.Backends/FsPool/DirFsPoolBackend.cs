using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.Files;
using StorageFs.Backends.HostTools;

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
    public void Delete(FsPoolDefinition pool) => LocalDirectories.Remove(Root(pool), "failed to remove fspool");

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
            var path = Path.Combine(root, name);
            var entry = LocalNative.Stat(path, noFollow: true);
            if (entry is null || !entry.IsDirectory)
            {
                _log.Debug("fspool {Pool}: {Path} is not a directory, not an item", pool.Name, path);
                continue;
            }
            var item = new FsItemDefinition { Name = name };
            try
            {
                Describe(path, item, entry, cancellation);
            }
            catch (StorageException e)
            {
                problems.Add($"item '{name}': {e.Message}");
            }
            items.Add(item);
        }
        return new FsPoolRefreshResult(LocalNative.FileSystemSizes(root), items, LocalDirectories.PermissionsOf(st), problems);
    }

    /// <inheritdoc/>
    public void CreateItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        var path = ItemPath(pool, item.Name);
        if (LocalNative.Stat(path, noFollow: true) is not null)
        {
            throw StorageErrors.OperationInvalid($"item target path '{path}' already exists");
        }
        try
        {
            Directory.CreateDirectory(path, (UnixFileMode)(item.Permissions.Mode ?? DefaultItemMode));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot create item '{path}'");
        }
        try
        {
            File.SetUnixFileMode(path, (UnixFileMode)(item.Permissions.Mode ?? DefaultItemMode));
            LocalNative.Chown(path, item.Permissions.Owner, item.Permissions.Group);
        }
        catch
        {
            LocalNative.Rmdir(path, "cannot remove directory");
            throw;
        }
        item.Path = path;
        item.Key = path;
    }

    /// <inheritdoc/>
    public void CloneItem(FsPoolDefinition pool, FsItemDefinition item, FsPoolDefinition sourcePool,
        FsItemDefinition source, IOperationProgress progress, CancellationToken cancellation)
    {
        var from = ItemPath(sourcePool, source.Name);
        var st = LocalNative.Stat(from, noFollow: true);
        if (st is null || !st.IsDirectory)
        {
            throw StorageErrors.System((int)Errno.ENOTDIR, $"cannot copy item '{from}'");
        }
        if (item.Permissions.Mode is null)
        {
            item.Permissions.Mode = st.Permissions;
        }
        CreateItem(pool, item);
        try
        {
            progress.SetTotal(ItemTree.DataBytes(from, cancellation));
            ItemTree.Copy(from, item.Path!, progress, cancellation);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            ItemTree.Delete(item.Path!, NullProgress.Instance, CancellationToken.None);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw StorageErrors.Io(e, $"cannot copy item '{from}' to '{item.Path}'");
            }
            throw;
        }
    }

    /// <inheritdoc/>
    public void DeleteItem(FsPoolDefinition pool, FsItemDefinition item, IOperationProgress progress, CancellationToken cancellation) =>
        ItemTree.Delete(ItemPath(pool, item.Name), progress, cancellation);

    /// <inheritdoc/>
    public void RefreshItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        var path = ItemPath(pool, item.Name);
        var st = LocalNative.Stat(path, noFollow: true);
        if (st is null || !st.IsDirectory)
        {
            throw StorageErrors.System((int)Errno.ENOENT, $"cannot stat item '{path}'");
        }
        var capacity = item.Capacity;
        Describe(path, item, st, CancellationToken.None);
        item.Capacity = Math.Max(capacity, item.Allocation);
    }

    private static void Describe(string path, FsItemDefinition item, FileStatus st, CancellationToken cancellation)
    {
        item.Path = path;
        item.Key = path;
        item.Permissions = LocalDirectories.PermissionsOf(st);
        item.Allocation = ItemTree.Allocation(path, cancellation);
        item.Capacity = Math.Max(item.Capacity, item.Allocation);
    }

    private static string Root(FsPoolDefinition pool) =>
        pool.Target.Path ?? throw StorageErrors.Internal($"fspool '{pool.Name}' has no target path");

    private static string ItemPath(FsPoolDefinition pool, string name)
    {
        if (name.Contains('/') || name is "." or "..")
        {
            throw StorageErrors.InvalidArg($"item name '{name}' cannot contain '/'");
        }
        return Path.Combine(Root(pool), name);
    }
}
