using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Logical;
using StorageFs.Backends.Mounted;

namespace StorageFs.Backends.Tests.Tools;

/// <summary>
/// The one command that starts a pool, for the types whose start is one command (libvirt's
/// storagepoolxml2argvtest): mount for fs and netfs, <c>vgchange -aly VG</c> for logical; null
/// for every other type, which starts without one. Test-only: the daemon starts pools through
/// their backends, which build the same argv.
/// </summary>
internal static class StartCommands
{
    /// <summary>The production start argv of <paramref name="pool"/>, or null.</summary>
    public static IReadOnlyList<string>? For(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Type switch
        {
            PoolType.Fs or PoolType.NetFs => MountCommands.Mount(pool),
            PoolType.Logical => new LvmCommands().Activate(pool.Source.Name ?? pool.Name),
            _ => null,
        };
    }
}
