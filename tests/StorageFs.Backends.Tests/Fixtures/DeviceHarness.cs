using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Interop;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A temp tree (<c>data/</c> is the allowed directory for pool targets), a real driver over
/// the backends a test gives, and cleanup that always runs: every mount below the tree is
/// unmounted (deepest first), every loop device the test attached is detached by name, every
/// daemon it started is killed by PID — also when the test failed.
/// </summary>
internal sealed class DeviceHarness : IDisposable
{
    private readonly List<LoopDevice> _loops = [];
    private readonly List<IDisposable> _cleanups = [];

    public DeviceHarness(params IPoolBackend[] backends)
    {
        Root = Directory.CreateTempSubdirectory("sfs-dev-").FullName;
        Data = Directory.CreateDirectory(Path.Combine(Root, "data")).FullName;
        Images = Directory.CreateDirectory(Path.Combine(Root, "images")).FullName;
        Backends = new BackendTable(backends, []);
        Driver = NewDriver();
    }

    public string Root { get; }

    public string Data { get; }

    public string Images { get; }

    public BackendTable Backends { get; }

    public StorageDriver Driver { get; private set; }

    public StorageDriver NewDriver()
    {
        var store = new DefinitionStore(Path.Combine(Root, "config"), Serilog.Core.Logger.None, StorageDriver.ValidateStored);
        Driver = new StorageDriver(Backends, store,
            new StorageDriverOptions { Policy = new TargetPathPolicy([Data]), RuntimeDirectory = Path.Combine(Root, "run") });
        Driver.Load();
        return Driver;
    }

    public string PoolPath(string name) => Path.Combine(Data, name);

    /// <summary>A loop device of <paramref name="bytes"/> on a sparse file, detached at dispose.</summary>
    public LoopDevice Loop(long bytes, string name = "disk")
    {
        var loop = new LoopDevice(Images, name + _loops.Count, bytes);
        _loops.Add(loop);
        return loop;
    }

    /// <summary>Runs <paramref name="cleanup"/> at dispose, after the mounts below the tree and before the loops go.</summary>
    public void OnDispose(IDisposable cleanup) => _cleanups.Add(cleanup);

    public void Dispose()
    {
        var errors = new List<Exception>();
        // Clients first (FUSE mounts of a daemon's export), then the daemons, then the devices.
        UnmountBelow(Root);
        foreach (var cleanup in Enumerable.Reverse(_cleanups))
        {
            try
            {
                cleanup.Dispose();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        foreach (var loop in Enumerable.Reverse(_loops))
        {
            try
            {
                loop.Dispose();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        var stillMounted = MountInfo.Read().Where(m => m.MountPoint.StartsWith(Root + "/", StringComparison.Ordinal)).ToList();
        if (stillMounted.Count > 0)
        {
            // Never delete through a mount: that would erase the mounted file system's contents.
            errors.Add(new IOException($"still mounted below {Root}: {string.Join(", ", stillMounted.Select(m => m.MountPoint))}"));
        }
        else
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException e)
            {
                errors.Add(e);
            }
        }
        if (errors.Count > 0)
        {
            throw new AggregateException("device test cleanup failed", errors);
        }
    }

    /// <summary>Unmounts everything mounted at or below <paramref name="root"/>, deepest first.</summary>
    public static void UnmountBelow(string root)
    {
        for (int round = 0; round < 5; round++)
        {
            var mounts = MountInfo.Read()
                .Select(m => m.MountPoint)
                .Where(m => m == root || m.StartsWith(root + "/", StringComparison.Ordinal))
                .Distinct()
                .OrderByDescending(m => m.Length)
                .ToList();
            if (mounts.Count == 0)
            {
                return;
            }
            foreach (var mount in mounts)
            {
                if (Sh.Try("umount", mount).Code != 0)
                {
                    Thread.Sleep(200);
                    Sh.Try("umount", "-l", mount);
                }
            }
        }
    }
}
