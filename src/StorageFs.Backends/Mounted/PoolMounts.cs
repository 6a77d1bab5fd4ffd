using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Mounted;

/// <summary>
/// Mounting fs and netfs pools (libvirt's <c>virStorageBackendFileSystemMount</c>/<c>Unmount</c>
/// /<c>IsMounted</c>): mounted means the mount table has an entry at the target whose source is
/// the pool's (devices compared after resolving symlinks; <c>host:dir</c> and <c>host:/dir</c>
/// alike); start is a no-op when it is already mounted, stop when it is not. Unlike libvirt, a
/// start refuses to mount over some other file system sitting on the target.
/// </summary>
public static class PoolMounts
{
    /// <summary>True when the pool's source is mounted on its target.</summary>
    public static bool IsMounted(PoolDefinition pool) => Classify(pool, MountInfo.TopAt(Target(pool))) == true;

    /// <summary>Mounts the pool with libvirt's argv unless it already is.</summary>
    public static void Mount(ICommandRunner runner, PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var argv = MountCommands.Mount(pool);
        var current = MountInfo.TopAt(Target(pool));
        switch (Classify(pool, current))
        {
            case true:
                return;
            case false:
                throw StorageErrors.OperationInvalid(
                    $"target '{Target(pool)}' already has '{current!.Source}' ({current.FsType}) mounted on it");
        }
        runner.RunChecked(argv, cancellation: cancellation);
    }

    /// <summary>Unmounts the pool (<c>umount TARGET</c>) when it is mounted.</summary>
    public static void Unmount(ICommandRunner runner, PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (IsMounted(pool))
        {
            runner.RunChecked(MountCommands.Unmount(pool));
        }
    }

    /// <summary>Fails unless the pool is mounted: a pool whose file system went away behind
    /// StorageFs's back is not silently shown as its empty mount point.</summary>
    public static void RequireMounted(PoolDefinition pool)
    {
        if (!IsMounted(pool))
        {
            throw new StorageException(ErrorCode.OperationFailed,
                $"operation failed: '{MountCommands.Source(pool)}' is not mounted on '{Target(pool)}'");
        }
    }

    // null: nothing mounted there; true: the pool's source; false: something else.
    private static bool? Classify(PoolDefinition pool, MountInfoEntry? entry)
    {
        if (entry is null)
        {
            return null;
        }
        var source = MountCommands.Source(pool);
        return SameSource(source, entry.Source, pool.Type == PoolType.NetFs);
    }

    private static bool SameSource(string wanted, string mounted, bool network)
    {
        if (wanted == mounted)
        {
            return true;
        }
        if (network)
        {
            return Normalise(wanted) == Normalise(mounted);
        }
        return wanted.StartsWith('/') && mounted.StartsWith('/') && Resolve(wanted) == Resolve(mounted);
    }

    // "host:dir", "host:/dir" and "host:/dir/" name one export.
    private static string Normalise(string source)
    {
        int colon = source.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || source.StartsWith("//", StringComparison.Ordinal))
        {
            return source.TrimEnd('/');
        }
        return source[..colon] + ":/" + source[(colon + 1)..].Trim('/');
    }

    private static string Resolve(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static string Target(PoolDefinition pool) =>
        pool.Target.Path ?? throw StorageErrors.Internal($"pool '{pool.Name}' has no target path");
}
