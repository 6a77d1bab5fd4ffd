using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Tests.Persistence;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// A temp tree for driver tests: <c>data/</c> (the one allowed directory, where pool targets
/// go), <c>config/</c> (a real <see cref="DefinitionStore"/>), <c>run/</c> (the runtime
/// directory holding the autostart marker). <see cref="NewDriver"/> makes a fresh driver over
/// the same state, as a daemon restart does; <see cref="Reboot"/> clears the runtime directory.
/// </summary>
internal sealed class DriverFixture : IDisposable
{
    private readonly TempDirectory _root = new();

    public DriverFixture()
    {
        Data = Directory.CreateDirectory(Path.Combine(_root.Path, "data")).FullName;
        Config = Path.Combine(_root.Path, "config");
        Run = Path.Combine(_root.Path, "run");
        Backends = new BackendTable(
            [
                Dir,
                new InertBackend(PoolType.Fs, targetIsDirectory: true),
                new InertBackend(PoolType.NetFs, targetIsDirectory: true),
                new InertBackend(PoolType.Logical),
                new InertBackend(PoolType.Disk),
                new InertBackend(PoolType.Iscsi),
                new InertBackend(PoolType.Scsi),
                new InertBackend(PoolType.Mpath),
                new InertBackend(PoolType.Rbd),
            ],
            [new TestFsBackend()]);
    }

    public string Root => _root.Path;

    public string Data { get; }

    public string Config { get; }

    public string Run { get; }

    public TestDirBackend Dir { get; } = new();

    public BackendTable Backends { get; }

    public CollectingSink Log { get; } = new();

    /// <param name="load">Load the stored definitions (and start those meant to run) before returning.</param>
    /// <param name="holdLoad">When given, the store's check of each stored definition (of
    /// <paramref name="holdPool"/> only, when given) waits for it to be set: the driver stays
    /// loading until then.</param>
    /// <param name="holdPool">The one stored definition whose check waits for <paramref name="holdLoad"/>.</param>
    public StorageDriver NewDriver(bool load = true, ManualResetEventSlim? holdLoad = null, string? holdPool = null)
    {
        var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(Log).CreateLogger();
        Func<DefinitionKind, string, string?> validate = holdLoad is null
            ? StorageDriver.ValidateStored
            : (kind, xml) =>
            {
                if (holdPool is null || xml.Contains($"<name>{holdPool}</name>", StringComparison.Ordinal))
                {
                    holdLoad.Wait();
                }
                return StorageDriver.ValidateStored(kind, xml);
            };
        var store = new DefinitionStore(Config, logger, validate);
        var driver = new StorageDriver(Backends, store,
            new StorageDriverOptions { Policy = new TargetPathPolicy([Data]), RuntimeDirectory = Run }, logger);
        if (load)
        {
            driver.Load();
        }
        return driver;
    }

    public void Reboot()
    {
        if (Directory.Exists(Run))
        {
            Directory.Delete(Run, recursive: true);
        }
    }

    public string PoolPath(string name) => Path.Combine(Data, name);

    public string DirPool(string name, string? path = null, Guid? uuid = null) =>
        $"<pool type='dir'><name>{name}</name>{Uuid(uuid)}<target><path>{path ?? PoolPath(name)}</path></target></pool>";

    public string FsPool(string name, string? path = null, Guid? uuid = null) =>
        $"<fspool type='dir'><name>{name}</name>{Uuid(uuid)}<target><path>{path ?? PoolPath(name)}</path></target></fspool>";

    public static string Volume(string name, ulong capacity = 4096) =>
        $"<volume><name>{name}</name><capacity unit='bytes'>{capacity}</capacity></volume>";

    /// <summary>Defines, builds and starts a dir pool.</summary>
    public void Running(StorageDriver driver, string name)
    {
        driver.DefinePool(DirPool(name));
        driver.BuildPool(name);
        driver.StartPool(name);
    }

    public void Dispose()
    {
        Dir.BuildGate.Set();
        Dir.WipeGate.Set();
        Dir.RefreshGate.Set();
        _root.Dispose();
    }

    private static string Uuid(Guid? uuid) => uuid is { } u ? $"<uuid>{u:D}</uuid>" : "";
}
