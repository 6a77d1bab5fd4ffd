using System.Reflection;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Dir;
using StorageFs.Backends.FsPool;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Tests;

/// <summary>The registry lists each backend once, and each backend's capability record says
/// exactly which interface methods it implements (a declared operation with no method, or a
/// method not declared, would break libvirt's empty-slot semantics).</summary>
public sealed class BackendRegistryTests
{
    private static readonly Dictionary<PoolOperations, string> PoolMethods = new()
    {
        [PoolOperations.Check] = nameof(IPoolBackend.CheckActive),
        [PoolOperations.Start] = nameof(IPoolBackend.Start),
        [PoolOperations.Stop] = nameof(IPoolBackend.Stop),
        [PoolOperations.Build] = nameof(IPoolBackend.Build),
        [PoolOperations.Delete] = nameof(IPoolBackend.Delete),
        [PoolOperations.Refresh] = nameof(IPoolBackend.Refresh),
        [PoolOperations.CreateVolume] = nameof(IPoolBackend.CreateVolume),
        [PoolOperations.CloneVolume] = nameof(IPoolBackend.CloneVolume),
        [PoolOperations.DeleteVolume] = nameof(IPoolBackend.DeleteVolume),
        [PoolOperations.ResizeVolume] = nameof(IPoolBackend.ResizeVolume),
        [PoolOperations.WipeVolume] = nameof(IPoolBackend.WipeVolume),
        [PoolOperations.UploadVolume] = nameof(IPoolBackend.OpenVolume),
        [PoolOperations.DownloadVolume] = nameof(IPoolBackend.OpenVolume),
        [PoolOperations.RefreshVolume] = nameof(IPoolBackend.RefreshVolume),
    };

    private static readonly Dictionary<FsPoolOperations, string> FsMethods = new()
    {
        [FsPoolOperations.Check] = nameof(IFsPoolBackend.CheckActive),
        [FsPoolOperations.Start] = nameof(IFsPoolBackend.Start),
        [FsPoolOperations.Stop] = nameof(IFsPoolBackend.Stop),
        [FsPoolOperations.Build] = nameof(IFsPoolBackend.Build),
        [FsPoolOperations.Delete] = nameof(IFsPoolBackend.Delete),
        [FsPoolOperations.Refresh] = nameof(IFsPoolBackend.Refresh),
        [FsPoolOperations.CreateItem] = nameof(IFsPoolBackend.CreateItem),
        [FsPoolOperations.CloneItem] = nameof(IFsPoolBackend.CloneItem),
        [FsPoolOperations.DeleteItem] = nameof(IFsPoolBackend.DeleteItem),
        [FsPoolOperations.RefreshItem] = nameof(IFsPoolBackend.RefreshItem),
    };

    [Fact]
    public void Registry_ListsEveryBackendWeHave_AndNoneForTheTypesWithout()
    {
        var table = BackendRegistry.Create();
        Assert.Equal(table.PoolCapabilities.Count, table.PoolCapabilities.Select(c => c.Type).Distinct().Count());
        Assert.All(table.PoolCapabilities, c => Assert.Same(c, table.Get(c.Type).Capabilities));
        Assert.Equal([FsPoolType.Dir], table.FsPoolCapabilities.Select(c => c.Type));
        // sheepdog and vstorage have no backend: defining one fails as in libvirt.
        Assert.NotNull(table.Find(PoolType.Rbd));
        Assert.Null(table.Find(PoolType.Sheepdog));
        Assert.Null(table.Find(PoolType.Vstorage));
    }

    [Fact]
    public void DirPoolBackend_DeclaresExactlyWhatItImplements()
    {
        var implemented = Implemented(typeof(DirPoolBackend), typeof(IPoolBackend));
        foreach (var (op, method) in PoolMethods)
        {
            Assert.True(DirPoolCapabilities.Value.Supports(op) == implemented.Contains(method), $"{op} vs {method}");
        }
    }

    [Fact]
    public void EveryRegisteredBackend_DeclaresExactlyWhatItImplements()
    {
        var table = BackendRegistry.Create();
        foreach (var caps in table.PoolCapabilities)
        {
            var backend = table.Get(caps.Type);
            var implemented = Implemented(backend.GetType(), typeof(IPoolBackend));
            foreach (var (op, method) in PoolMethods)
            {
                Assert.True(caps.Supports(op) == implemented.Contains(method), $"{caps.Type}: {op} vs {method}");
            }
        }
    }

    [Fact]
    public void EveryRegisteredBackend_AnswersItsAvailability_AtLeastFromItsRequirements()
    {
        // The generic check of the record's host requirements; a backend may only add to it
        // (netfs: which protocols mount; dir: whether qemu-img is there for image formats).
        var table = BackendRegistry.Create();
        foreach (var caps in table.PoolCapabilities)
        {
            var generic = HostSupport.Check(caps);
            var answered = table.Get(caps.Type).Availability();
            Assert.Equal(caps.Type, answered.Type);
            Assert.True(generic.Runnable || !answered.Runnable, $"{caps.Type}: runnable though its requirements are not met");
            Assert.Contains(generic.Reason, answered.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DirFsPoolBackend_DeclaresExactlyWhatItImplements()
    {
        var implemented = Implemented(typeof(DirFsPoolBackend), typeof(IFsPoolBackend));
        foreach (var (op, method) in FsMethods)
        {
            Assert.True(DirFsPoolCapabilities.Value.Supports(op) == implemented.Contains(method), $"{op} vs {method}");
        }
    }

    [Fact]
    public void DirPool_CreatesRawQcow2DirPloopAndTheQemuImgFormats_DefaultRaw_EveryWipeAlgorithm()
    {
        var caps = DirPoolCapabilities.Value;
        Assert.Equal(["raw", "qcow2", "dir", "ploop", "vmdk", "vdi", "vpc", "qed", "qcow"], caps.VolumeFormats);
        Assert.Equal("raw", caps.DefaultVolumeFormat);
        Assert.Equal(Enum.GetValues<WipeAlgorithm>(), caps.WipeAlgorithms);
        Assert.True(caps.TargetIsDirectory);
    }

    // Interface methods whose implementation is declared by the class (not the interface default).
    private static HashSet<string> Implemented(Type type, Type iface)
    {
        // Implemented by the class or a base class of it (MountedFilePoolBackend), not left to
        // the interface's default body (which refuses with NoSupport).
        // The lifecycle methods are declared by the shared IPoolLifecycleBackend<T>.
        return [.. iface.GetInterfaces().Append(iface)
            .SelectMany(i => type.GetInterfaceMap(i).TargetMethods.Where(m => m.DeclaringType != i))
            .Select(m => m.Name)];
    }
}
