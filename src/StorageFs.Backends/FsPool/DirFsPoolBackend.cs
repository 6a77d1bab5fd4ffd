using Microsoft.Win32.SafeHandles;
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
/// or removed. Every item is reached from a descriptor of the root (mkdirat, openat2 beneath
/// it), never by a path. An item's capacity is kept with it and enforced as a project quota
/// where the filesystem has one (<see cref="ItemCapacity"/>); the series enforced nothing.
/// Listings read names only (<see cref="ListItemNames"/>); an item found on the host is
/// described without measuring it. Stateless and thread-safe.
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
        using var rootFd = LocalDirectories.Open(root);
        foreach (var name in ItemNames(rootFd, root))
        {
            cancellation.ThrowIfCancellationRequested();
            FsItemDefinition? item;
            try
            {
                item = Look(rootFd, root, name);
                if (item is null)
                {
                    _log.Debug("fspool {Pool}: {Name} is not a directory, not an item", pool.Name, name);
                    continue;
                }
                Measure(rootFd, item, cancellation);
            }
            catch (StorageException e)
            {
                problems.Add($"item '{name}': {e.Message}");
                item = new FsItemDefinition { Name = name, Path = Path.Combine(root, name), Key = Path.Combine(root, name) };
            }
            items.Add(item);
        }
        return new FsPoolRefreshResult(LocalNative.FileSystemSizes(root), items, LocalDirectories.PermissionsOf(st), problems);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListItemNames(FsPoolDefinition pool)
    {
        var root = Root(pool);
        using var rootFd = LocalDirectories.Open(root);
        return ItemNames(rootFd, root);
    }

    /// <inheritdoc/>
    public FsItemDefinition? FindItem(FsPoolDefinition pool, string name)
    {
        var root = Root(pool);
        CheckName(name);
        using var rootFd = LocalDirectories.Open(root);
        return Listable(name) ? Look(rootFd, root, name) : null;
    }

    /// <inheritdoc/>
    public SafeFileHandle OpenItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        var path = ItemPath(pool, item.Name);
        using var rootFd = LocalDirectories.Walk(Root(pool), path, create: false);
        return LocalNative.OpenBeneath(rootFd, item.Name, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW, 0, out int errno)
            ?? throw StorageErrors.System(errno, $"cannot open item '{path}'");
    }

    /// <inheritdoc/>
    public void CreateItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        var path = ItemPath(pool, item.Name);
        uint mode = item.Permissions.Mode ?? DefaultItemMode;
        using var rootFd = LocalDirectories.Walk(Root(pool), path, create: false);
        int errno = LocalNative.MkdirAt(rootFd, item.Name, mode);
        if (errno == (int)Errno.EEXIST)
        {
            throw StorageErrors.OperationInvalid($"item target path '{path}' already exists");
        }
        if (errno != 0)
        {
            throw StorageErrors.System(errno, $"cannot create item '{path}'");
        }
        try
        {
            using var dir = LocalNative.OpenBeneath(rootFd, item.Name, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, out errno)
                ?? throw StorageErrors.System(errno, $"cannot open item '{path}'");
            // mkdirat applied the daemon's umask; the item gets exactly the mode asked for.
            File.SetUnixFileMode(dir, (UnixFileMode)mode);
            LocalNative.Chown(dir, path, item.Permissions.Owner, item.Permissions.Group);
            item.Enforcement = ItemCapacity.Apply(dir, item.Capacity, path);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            LocalNative.UnlinkAt(rootFd, item.Name, directory: true, path);
            if (e is StorageException)
            {
                throw;
            }
            throw StorageErrors.Io(e, $"cannot set the mode of item '{path}'");
        }
        item.Path = path;
        item.Key = path;
    }

    /// <inheritdoc/>
    public void CloneItem(FsPoolDefinition pool, FsItemDefinition item, FsPoolDefinition sourcePool,
        FsItemDefinition source, IOperationProgress progress, CancellationToken cancellation)
    {
        var from = ItemPath(sourcePool, source.Name);
        using var sourceRoot = LocalDirectories.Open(Root(sourcePool));
        using var sourceDir = LocalNative.OpenBeneath(sourceRoot, source.Name, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, out int errno)
            ?? throw StorageErrors.System(errno is (int)Errno.ELOOP ? (int)Errno.ENOTDIR : errno, $"cannot copy item '{from}'");
        var st = LocalNative.Stat(sourceDir, from);
        if (item.Permissions.Mode is null)
        {
            item.Permissions.Mode = st.Permissions;
        }
        CreateItem(pool, item);
        using var targetRoot = LocalDirectories.Open(Root(pool));
        try
        {
            using var targetDir = LocalNative.OpenBeneath(targetRoot, item.Name, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, out errno)
                ?? throw StorageErrors.System(errno, $"cannot open item '{item.Path}'");
            progress.SetTotal(ItemTree.DataBytes(sourceDir, from, cancellation));
            ItemTree.Copy(sourceDir, from, targetDir, item.Path!, progress, cancellation);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            ItemTree.DeleteAt(targetRoot, item.Name, item.Path!, NullProgress.Instance, CancellationToken.None);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw StorageErrors.Io(e, $"cannot copy item '{from}' to '{item.Path}'");
            }
            throw;
        }
    }


    /// <inheritdoc/>
    public void DeleteItem(FsPoolDefinition pool, FsItemDefinition item, IOperationProgress progress, CancellationToken cancellation)
    {
        var path = ItemPath(pool, item.Name);
        using var rootFd = LocalDirectories.Open(Root(pool));
        ItemTree.DeleteAt(rootFd, item.Name, path, progress, cancellation);
    }

    /// <inheritdoc/>
    public void RefreshItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        var root = Root(pool);
        CheckName(item.Name);
        using var rootFd = LocalDirectories.Open(root);
        var capacity = item.Capacity;
        var found = Look(rootFd, root, item.Name)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot stat item '{Path.Combine(root, item.Name)}'");
        Measure(rootFd, found, CancellationToken.None);
        item.Path = found.Path;
        item.Key = found.Key;
        item.Permissions = found.Permissions;
        item.Allocation = found.Allocation;
        item.Enforcement = found.Enforcement;
        item.Capacity = Math.Max(found.Capacity == 0 ? capacity : found.Capacity, item.Allocation);
    }

    // The names of the root's subdirectories an fspool lists (d_type; a filesystem that does
    // not give it is asked with a stat per name).
    private static List<string> ItemNames(SafeFileHandle rootFd, string root)
    {
        var names = new List<string>();
        foreach (var (name, type) in LocalNative.ReadDirectoryTyped(rootFd, root))
        {
            if (!Listable(name) || type is not (DtDir or DtUnknown))
            {
                continue;
            }
            if (type == DtUnknown && LocalNative.StatAt(rootFd, name, Path.Combine(root, name)) is not { IsDirectory: true })
            {
                continue;
            }
            names.Add(name);
        }
        return names;
    }

    private const byte DtUnknown = 0;
    private const byte DtDir = 4;

    // Names a pool may list: not hidden (StorageFs names never start with '.'), no control characters.
    private static bool Listable(string name) => name.Length > 0 && name[0] != '.' && !name.Any(char.IsControl);

    // The item `name` of the root, read through a descriptor of its own directory opened beneath
    // the root (never a link followed): path, permissions, capacity and whether it is enforced,
    // allocation not yet measured; null when the entry is not a directory (or is gone).
    private static FsItemDefinition? Look(SafeFileHandle rootFd, string root, string name)
    {
        var path = Path.Combine(root, name);
        using var dir = LocalNative.OpenBeneath(rootFd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NONBLOCK, 0, out int errno);
        if (dir is null)
        {
            return errno is (int)Errno.ENOENT or (int)Errno.ENOTDIR or (int)Errno.ELOOP
                ? null
                : throw StorageErrors.System(errno, $"cannot open item '{path}'");
        }
        var st = LocalNative.Stat(dir, path);
        var (capacity, enforcement) = ItemCapacity.Describe(dir);
        return new FsItemDefinition
        {
            Name = name,
            Path = path,
            Key = path,
            Permissions = LocalDirectories.PermissionsOf(st),
            Capacity = capacity,
            Enforcement = enforcement,
        };
    }

    private static void Measure(SafeFileHandle rootFd, FsItemDefinition item, CancellationToken cancellation)
    {
        using var dir = LocalNative.OpenBeneath(rootFd, item.Name, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, out int errno)
            ?? throw StorageErrors.System(errno, $"cannot open item '{item.Path}'");
        item.Allocation = ItemTree.Allocation(dir, item.Path!, cancellation);
        item.Capacity = Math.Max(item.Capacity, item.Allocation);
    }

    private static string Root(FsPoolDefinition pool) =>
        pool.Target.Path ?? throw StorageErrors.Internal($"fspool '{pool.Name}' has no target path");

    private static string ItemPath(FsPoolDefinition pool, string name)
    {
        CheckName(name);
        return Path.Combine(Root(pool), name);
    }

    private static void CheckName(string name)
    {
        if (name.Contains('/') || name is "" or "." or "..")
        {
            throw StorageErrors.InvalidArg($"item name '{name}' cannot contain '/'");
        }
    }
}
