using System.Runtime.InteropServices;
using CommandLine;
using Serilog;
using StorageFs.Demo;
using StorageFs.Vfs.Real;
using StorageFs.Logging;
using StorageFs.Fuse;
using StorageFs.Fuse.Session;

namespace StorageFs;

[Verb("demo", HelpText = "Mount the FUSE engine's demonstration filesystem (in-memory tree, optional passthrough directory).")]
internal sealed class DemoOptions
{
    [Value(0, MetaName = "MOUNTPOINT", Required = true, HelpText = "Directory to mount on.")]
    public string Mountpoint { get; set; } = "";

    [Option("backing", HelpText = "Host directory to serve as backing/ (files use FUSE passthrough when the kernel allows).")]
    public string? Backing { get; set; }

    [Option("populate", Default = 0, HelpText = "Create many/ with this many empty files.")]
    public int Populate { get; set; }

    [Option("timeout", HelpText = "Entry and attribute cache timeout in seconds for backing/ (default: 1).")]
    public double? Timeout { get; set; }

    [Option("no-passthrough", HelpText = "Serve backing/ file data in user space instead of FUSE passthrough.")]
    public bool NoPassthrough { get; set; }

    [Option("no-watch", HelpText = "Do not tell the kernel about changes other programs make in the backing directory.")]
    public bool NoWatch { get; set; }

    [Option("allow-other", HelpText = "Let other users access the mount.")]
    public bool AllowOther { get; set; }

    [Option("fusermount", HelpText = "Mount through fusermount3 even as root.")]
    public bool Fusermount { get; set; }

    [Option("readers", Default = 2, HelpText = "Reader threads started at mount (more start while all are busy).")]
    public int Readers { get; set; }

    [Option("uring", Default = "auto", HelpText = "FUSE transport: auto (io_uring when the kernel offers it), on (required) or off (/dev/fuse).")]
    public string Uring { get; set; } = "auto";

    [Option('v', "verbose", HelpText = "Trace every FUSE request.")]
    public bool Verbose { get; set; }
}

/// <summary>Runs <c>storagefs demo</c> in the foreground until SIGINT/SIGTERM or an external unmount.</summary>
internal static class DemoCommand
{
    public static int Run(DemoOptions o)
    {
        if (!Daemon.UringSetting.TryParse(o.Uring, out UringMode uring))
        {
            Console.Error.WriteLine($"storagefs: --uring {o.Uring}: {Daemon.UringSetting.Expected}");
            return 1;
        }
        ILogger log = LogSetup.Create(o.Verbose);
        Daemon.DescriptorSetup.Raise(log);
        TimeSpan? timeout = o.Timeout is double t ? TimeSpan.FromSeconds(t) : null;
        RealDir? backing = null;
        if (o.Backing is not null)
        {
            if (!Directory.Exists(o.Backing))
            {
                Console.Error.WriteLine($"storagefs: backing directory {o.Backing} does not exist");
                return 1;
            }
            backing = new RealDir(Path.GetFullPath(o.Backing), timeout);
        }
        var options = new FuseServerOptions
        {
            AllowOther = o.AllowOther,
            EnablePassthrough = !o.NoPassthrough,
            MinReaders = Math.Max(1, o.Readers),
            MaxReaders = Math.Max(16, o.Readers),
            Uring = uring,
        };
        // Before the mount, as storagefs mount does: a SIGTERM as soon as the mount answers exits 0.
        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var server = new FuseServer(DemoFs.Build(o.Populate, backing), options, log);
        try
        {
            server.Mount(o.Mountpoint, o.Fusermount);
        }
        catch (FuseMountException ex)
        {
            Console.Error.WriteLine($"storagefs: {ex.Message}");
            return 1;
        }
        if (backing is not null && !o.NoWatch)
            backing.Watch(server.Notifier, log);
        if (backing is not null)
            RealReclaim.Attach(server.Notifier, log);
            RealStatahead.Start();
        log.Information("Demo filesystem mounted on {Mountpoint} (passthrough {Passthrough}, transport {Transport})", server.Mountpoint, server.PassthroughActive, server.Transport);

        using var counts = Daemon.RequestCountSignal.Register(server, log);
        server.Completion.ContinueWith(_ => stop.Set(), TaskScheduler.Default);
        stop.Wait();
        log.Information("Stopping: unmounting {Mountpoint}", server.Mountpoint);
        return 0;
    }
}
