using System.Diagnostics;
using Serilog;
using StorageFs.Core.Driver;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;

namespace StorageFs.Backends.Tests.Dir;

/// <summary>
/// A temp tree and a real driver over the production backends (BackendRegistry): <c>data/</c>
/// is the allowed directory, <c>outside/</c> is not, <c>config/</c> holds the definition store.
/// <see cref="NewDriver"/> simulates a daemon restart.
/// </summary>
internal sealed class BackendFixture : IDisposable
{
    public BackendFixture()
    {
        Root = Directory.CreateTempSubdirectory("sfs-backends-").FullName;
        Data = Directory.CreateDirectory(Path.Combine(Root, "data")).FullName;
        Outside = Directory.CreateDirectory(Path.Combine(Root, "outside")).FullName;
        Driver = NewDriver();
    }

    public string Root { get; }

    public string Data { get; }

    public string Outside { get; }

    public StorageDriver Driver { get; private set; }

    public StorageDriver NewDriver()
    {
        var store = new DefinitionStore(Path.Combine(Root, "config"), Serilog.Core.Logger.None, StorageDriver.ValidateStored);
        var driver = new StorageDriver(BackendRegistry.Create(), store,
            new StorageDriverOptions { Policy = new TargetPathPolicy([Data]), RuntimeDirectory = Path.Combine(Root, "run") });
        driver.Load();
        Driver = driver;
        return driver;
    }

    public string PoolPath(string name) => Path.Combine(Data, name);

    public string DirPool(string name, string? extra = null) =>
        $"<pool type='dir'><name>{name}</name><target><path>{PoolPath(name)}</path>{extra}</target></pool>";

    /// <summary>Defines, builds and starts dir pool <paramref name="name"/>.</summary>
    public void RunningPool(string name)
    {
        Driver.DefinePool(DirPool(name));
        Driver.BuildPool(name);
        Driver.StartPool(name);
    }

    public static string Raw(string name, ulong capacity, ulong? allocation = null) =>
        $"<volume><name>{name}</name><capacity>{capacity}</capacity>" +
        (allocation is { } a ? $"<allocation>{a}</allocation>" : "") +
        "<target><format type='raw'/></target></volume>";

    public static string Qcow2(string name, ulong capacity, string? backing = null, string? backingFormat = "qcow2") =>
        $"<volume><name>{name}</name>" + (capacity > 0 ? $"<capacity>{capacity}</capacity>" : "") +
        "<target><format type='qcow2'/></target>" +
        (backing is null ? "" : $"<backingStore><path>{backing}</path><format type='{backingFormat}'/></backingStore>") +
        "</volume>";

    /// <summary>Runs a tool and returns stdout; fails the test on a non-zero exit.</summary>
    public static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}");
        return stdout;
    }

    /// <summary>Bytes allocated to a file (st_blocks·512), as du --block-size=1 reports.</summary>
    public static long Allocated(string path) =>
        long.Parse(Run("du", "-s", "--block-size=1", path).Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);

    public static (uint Mode, uint Uid, uint Gid) StatOf(string path)
    {
        var parts = Run("stat", "-c", "%a %u %g", path).Trim().Split(' ');
        return (Convert.ToUInt32(parts[0], 8), uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            uint.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
