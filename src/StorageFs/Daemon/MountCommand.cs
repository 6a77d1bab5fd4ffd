using System.Runtime.InteropServices;
using CommandLine;
using Serilog;
using Serilog.Events;
using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Secrets;
using StorageFs.Fuse;
using StorageFs.Fuse.Session;
using StorageFs.Logging;
using StorageFs.Vfs.Tree;
using StorageFs.Backends;
using StorageFs.Cluster;

namespace StorageFs.Daemon;

[Verb("mount", HelpText = "Mount the storage tree (pools, volumes, fspools, items as files) and serve it until SIGTERM.")]
internal sealed class MountOptions
{
    [Value(0, MetaName = "MOUNTPOINT", Required = true, HelpText = "Where to mount, usually /storage.")]
    public string Mountpoint { get; set; } = "";

    [Option('c', "config", HelpText = "JSON configuration file (default: /etc/storagefs/storagefs.json when it exists, else the built-in defaults; storagefs(8)).")]
    public string? Config { get; set; }

    [Option("state-dir", HelpText = "State directory (overrides the configuration's stateDir).")]
    public string? StateDir { get; set; }

    [Option('f', "foreground", HelpText = "Stay in the foreground (the daemon always does; kept for systemd-style invocations).")]
    public bool Foreground { get; set; }

    // A plain switch: CommandLineParser makes a bool? option take a value, so "--allow-other"
    // last on the line was dropped silently and before MOUNTPOINT swallowed it.
    [Option("allow-other", HelpText = "Let users other than root access the mount (they may read, only root may change); the configuration's allowOther (default true) also turns it on.")]
    public bool AllowOther { get; set; }

    [Option("log-level", Default = LogEventLevel.Information, HelpText = "Verbose, Debug, Information, Warning, Error (Verbose traces every FUSE request).")]
    public LogEventLevel LogLevel { get; set; }

    [Option('o', "options", HelpText = "Mount options, comma-separated: allow_other, default_permissions, ro, config=FILE, state_dir=DIR, log_level=LEVEL, uring=auto|on|off (and mount(8)'s generic ones, ignored).")]
    public string? MountOptionsText { get; set; }

    [Option("uring", HelpText = "FUSE transport: auto (io_uring when the kernel offers it), on (required) or off (/dev/fuse); overrides the configuration's uring.")]
    public string? Uring { get; set; }

    /// <summary>Refuse every change (mount option <c>ro</c>).</summary>
    public bool ReadOnly { get; set; }
}

/// <summary>Runs <c>storagefs mount</c>: load definitions, mount, serve, and on SIGTERM/SIGINT unmount and exit 0.</summary>
internal static class MountCommand
{
    public static int Run(MountOptions o)
    {
        // Everything is checked before anything is created: a failed start leaves no trace.
        if (o.MountOptionsText is not null && MountOptionList.Apply(o, o.MountOptionsText) is { } bad)
            return Cli.Fail(bad, Cli.Usage);
        string? configPath = o.Config ?? (File.Exists(DaemonConfig.DefaultPath) ? DaemonConfig.DefaultPath : null);
        DaemonConfig config;
        try
        {
            config = configPath is null ? new DaemonConfig() : DaemonConfig.Load(configPath);
        }
        catch (ConfigException e)
        {
            return Cli.Fail(e.Message, Cli.Usage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Cli.Fail($"cannot read configuration {configPath}: {e.Message}");
        }
        if (o.StateDir is not null)
            config = config with { StateDir = Path.GetFullPath(o.StateDir) };
        if (o.Uring is not null)
        {
            if (!UringSetting.TryParse(o.Uring, out _))
                return Cli.Fail($"--uring {o.Uring}: {UringSetting.Expected}", Cli.Usage);
            config = config with { Uring = o.Uring };
        }
        UringSetting.TryParse(config.Uring, out UringMode uring);
        string mountpoint = Path.GetFullPath(o.Mountpoint);
        if (Preflight.Check(mountpoint, config) is { } refusal)
            return Cli.Fail(refusal);

        bool stateDirIsNew = !Directory.Exists(config.StateDir);
        bool runtimeDirIsNew = !Directory.Exists(config.RuntimeDir);
        bool markerDirIsNew = !Directory.Exists(RuntimeDirFor(config));
        StateLock? stateLock = null;
        StorageDriver driver;
        SecretDriver secrets;
        Task<int> starts;
        EtcdCoordinator? cluster;
        using var stopping = new CancellationTokenSource();
        long began = Environment.TickCount64;
        ILogger log = LogSetup.Create(o.LogLevel);
        // Undoes what this start created, when it fails before the mount answers.
        void Undo()
        {
            stopping.Cancel();
            stateLock?.Dispose();
            TryDelete(config.StateDir, stateDirIsNew);
            TryDelete(RuntimeDirFor(config), markerDirIsNew);
            TryDelete(config.RuntimeDir, runtimeDirIsNew);
        }
        try
        {
            Directory.CreateDirectory(config.StateDir);
            stateLock = StateLock.TryTake(config.StateDir, out int holder);
            if (stateLock is null)
            {
                Undo();
                return Cli.Fail($"state directory {config.StateDir} is in use by another storagefs daemon" +
                    (holder > 0 ? $" (pid {holder})" : "") + $"; lock {StateLock.PathFor(config.StateDir)}");
            }
            (driver, secrets, starts, cluster) = Start(config, log, stopping.Token);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            Undo();
            return Cli.Fail(e.Message);
        }
        using var heldLock = stateLock;
        // Left after the unmount (disposed after the server below): the membership lease and the
        // volume leases go only once no writer can reach a shared volume through this mount.
        using var leaving = cluster;
        cluster?.Start();

        // After the checks above, so a refused start says only why; before the tree, whose item
        // nodes size their share of the table from the raised limit.
        ulong descriptors = DescriptorSetup.Raise(log);
        var tree = new StorageTree(driver, log, secrets) { ItemTimeout = TimeSpan.FromSeconds(config.ItemCacheSeconds) };
        HandleBudget budget = DescriptorLimit.Budget(descriptors, config.MaxOpenPerUser);
        log.Information("Open files and directories: {PerUid} per user, {Others} for all users but root, {Total} in all (a reserve of {Reserve} descriptors)",
            budget.PerUid, budget.Others, budget.Total, budget.Reserve);
        var options = new FuseServerOptions
        {
            AllowOther = o.AllowOther || config.AllowOther,
            DefaultPermissions = true,
            ReadOnly = o.ReadOnly,
            EntryTimeout = TimeSpan.FromSeconds(1),
            AttrTimeout = TimeSpan.FromSeconds(1),
            MaxHandlesPerUid = budget.PerUid,
            MaxHandlesOthers = budget.Others,
            MaxHandles = budget.Total,
            HandleRefused = tree.RecordHandleRefusal,
            Uring = uring,
        };
        // Before the mount: a SIGTERM that comes as soon as the mount answers (a restart) unmounts
        // and exits 0; registered after it, such a signal killed the daemon (exit 143) before the
        // handler was there, leaving the mount behind.
        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var server = new FuseServer(tree.Root, options, log);
        try
        {
            server.Mount(mountpoint);
        }
        catch (FuseMountException e)
        {
            Undo();
            return Cli.Fail(e.Message);
        }
        tree.Attach(server.Notifier);
        log.Information("StorageFs mounted on {Mountpoint} (state {State}, passthrough {Passthrough}, transport {Transport})", server.Mountpoint, config.StateDir, server.PassthroughActive, server.Transport);
        FuseHelperForm.DetachStdio();
        // Ready as soon as the mount answers: a pool still starting is started by the first
        // request that needs it, or waited for, never shown half-loaded (StorageDriver.BeginLoad).
        SdNotify.Send(starts.IsCompleted
            ? $"READY=1\nSTATUS=mounted on {server.Mountpoint}"
            : $"READY=1\nSTATUS=mounted on {server.Mountpoint}; starting pools");
        mountpoint = server.Mountpoint ?? mountpoint;
        Watchdog.Start(mountpoint, stopping.Token);
        starts.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && t.Result > 0)
            {
                log.Information("Started {Count} pools and fspools at load in {Ms} ms", t.Result, Environment.TickCount64 - began);
                // Starting many pools leaves a heap sized for its garbage (a probe per volume):
                // give it back once, rather than carry it for the daemon's lifetime.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                SdNotify.Send($"STATUS=mounted on {mountpoint}");
            }
            else if (t.IsCompletedSuccessfully)
            {
                // The definitions load after READY=1 even when none is to start.
                SdNotify.Send($"STATUS=mounted on {mountpoint}");
            }
            else if (t.IsFaulted)
            {
                log.Error(t.Exception, "Starting pools at load failed");
            }
        }, TaskScheduler.Default);

        using var counts = RequestCountSignal.Register(server, log);
        server.Completion.ContinueWith(_ => stop.Set(), TaskScheduler.Default);
        stop.Wait();
        SdNotify.Send("STOPPING=1");
        stopping.Cancel();
        foreach (var job in driver.Jobs.List().Where(j => j.Status == JobStatus.Running))
        {
            log.Information("Cancelling job {Job} before exit", job.Id);
            job.Cancel();
        }
        log.Information("Stopping: unmounting {Mountpoint}", server.Mountpoint);
        return 0;
    }

    private static void TryDelete(string dir, bool createdByThisStart)
    {
        if (!createdByThisStart)
            return;
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"storagefs: could not remove {dir} after the failed start: {e.Message}");
        }
    }

    /// <summary>Opens the store, loads every definition, makes the default pools, and returns
    /// with the pools meant to run starting in the background (the task: until all have run).</summary>
    internal static (StorageDriver Driver, SecretDriver Secrets, Task<int> Starts, EtcdCoordinator? Cluster) Start(DaemonConfig config, ILogger log, CancellationToken stopping)
    {
        Directory.CreateDirectory(config.StateDir);
        // Targets lie in the configured directories only (the state directory is not added
        // behind the administrator's back), and never in the stored definitions.
        string definitions = Path.Combine(config.StateDir, "config");
        string secretDir = Path.Combine(config.StateDir, "secrets");
        var policy = new TargetPathPolicy(config.AllowedDirectories, [definitions, secretDir]);
        log.Information("Pool targets allowed under {Allowed}; {Definitions} and {Secrets} reserved", config.AllowedDirectories, definitions, secretDir);
        var store = new DefinitionStore(definitions, log, StorageDriver.ValidateStored);
        // Before the driver: pools restarted at load may need their secrets.
        var secrets = new SecretDriver(secretDir, log);
        var driver = new StorageDriver(BackendRegistry.Create(log, secrets: secrets), store,
            new StorageDriverOptions { Policy = policy, RuntimeDirectory = RuntimeDirFor(config), Toolbox = new StorageFs.Backends.Toolbox.VolumeToolbox(),
                Remote = new StorageFs.Backends.Remote.SshCopy(config.Ssh ?? new()) }, log);
        // Only a configured cluster brings cluster code in (docs/CLUSTER.md).
        EtcdCoordinator? cluster = null;
        if (config.Cluster is { } clusterOptions)
        {
            cluster = new EtcdCoordinator(clusterOptions, driver, log);
            driver.JoinCluster(cluster);
        }
        // One core is left to answer requests while the pools start (a request for a pool
        // still queued starts that pool itself).
        var starts = driver.BeginLoad(Math.Max(1, Environment.ProcessorCount - 1), stopping);
        if (config.DefaultPools)
            EnsureDefaults(driver, config.StateDir, log);
        return (driver, secrets, starts, cluster);
    }

    /// <summary>
    /// The once-per-boot autostart marker lives in a runtime directory (a tmpfs) per state
    /// directory, so two daemons on two state directories each autostart their own pools.
    /// </summary>
    private static string RuntimeDirFor(DaemonConfig config) =>
        Path.Combine(config.RuntimeDir, config.StateDir.Trim('/').Replace('/', '_'));

    private static void EnsureDefaults(StorageDriver driver, string stateDir, ILogger log)
    {
        try
        {
            driver.Policy.Check(Path.Combine(stateDir, "images"));
        }
        catch (StorageException e)
        {
            log.Warning("No default pool or fspool created: {Reason}; add the state directory {State} to allowedDirectories or set defaultPools to false",
                e.Message, stateDir);
            return;
        }
        // By name: a restart with the defaults in place does not wait for the stored
        // definitions to load before it mounts.
        if (!driver.PoolExists("default"))
        {
            driver.DefinePool($"<pool type='dir'><name>default</name><target><path>{Path.Combine(stateDir, "images")}</path></target></pool>");
            driver.BuildPool("default");
            driver.StartPool("default");
            driver.SetPoolAutostart("default", true);
            log.Information("Created the default dir pool at {Path}", Path.Combine(stateDir, "images"));
        }
        if (!driver.FsPoolExists("default"))
        {
            driver.DefineFsPool($"<fspool type='dir'><name>default</name><target><path>{Path.Combine(stateDir, "fs")}</path></target></fspool>");
            driver.BuildFsPool("default");
            driver.StartFsPool("default");
            driver.SetFsPoolAutostart("default", true);
            log.Information("Created the default fspool at {Path}", Path.Combine(stateDir, "fs"));
        }
    }
}
