using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Backends.Dir;

namespace StorageFs.Backends.Tests.Dir;

/// <summary>
/// Faults of the host reach the caller as the errno they are —
/// EOPNOTSUPP naming qemu-img when it is missing (and its formats not offered), ENOSPC on a
/// full file system, EFBIG past the largest file — never an internal error (EIO).
/// </summary>
public sealed class DirFaultTests : IDisposable
{
    private readonly BackendFixture _fx = new();

    public void Dispose()
    {
        foreach (var mount in _mounts)
        {
            Sh.Try("umount", "-l", mount);
        }
        _fx.Dispose();
    }

    private readonly List<string> _mounts = [];

    private StorageDriver DriverWithQemuImg(string qemuImg)
    {
        var store = new DefinitionStore(Path.Combine(_fx.Root, "config-" + Path.GetFileName(qemuImg)), Serilog.Core.Logger.None, StorageDriver.ValidateStored);
        var driver = new StorageDriver(BackendRegistry.Create(qemuImg: qemuImg), store,
            new StorageDriverOptions { Policy = new TargetPathPolicy([_fx.Data]), RuntimeDirectory = Path.Combine(_fx.Root, "run") });
        driver.Load();
        return driver;
    }

    [Fact]
    public void Qcow2Create_WithoutQemuImg_IsEOPNOTSUPPNamingTheTool_AndLeavesNothing()
    {
        var driver = DriverWithQemuImg("/nonexistent/qemu-img");
        driver.DefinePool(_fx.DirPool("noqemu"));
        driver.BuildPool("noqemu");
        driver.StartPool("noqemu");

        var e = Assert.Throws<StorageException>(() => driver.CreateVolume("noqemu", BackendFixture.Qcow2("q", 1 << 20)));

        Assert.Equal(ErrorCode.NoSupport, e.Code);
        Assert.Null(e.OsErrno);
        Assert.Contains("'/nonexistent/qemu-img', which is not installed", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_fx.PoolPath("noqemu"), "q")));
        Assert.DoesNotContain(driver.ListVolumeNames("noqemu"), n => n == "q");
        driver.CreateVolume("noqemu", BackendFixture.Raw("r", 1 << 20)); // raw needs no tool
    }

    [Fact]
    public void WithoutQemuImg_TheDirBackendOffersNoQemuImgFormats_AndSaysWhy()
    {
        var backend = new DirPoolBackend(qemuImg: "/nonexistent/qemu-img");

        Assert.Equal(["raw", "dir", "ploop"], backend.CreatableVolumeFormats());
        var availability = backend.Availability();
        Assert.True(availability.Runnable);
        Assert.True(availability.Limited);
        Assert.Contains("qemu-img", availability.Reason, StringComparison.Ordinal);
        Assert.Contains("qcow2", availability.Reason, StringComparison.Ordinal);
    }

    [Fact] // qemu-utils is in .ci/run's APT_PACKAGES
    public void WithQemuImg_EveryFormatIsOffered()
    {
        var backend = new DirPoolBackend();
        Assert.Contains("qcow2", backend.CreatableVolumeFormats());
        Assert.False(backend.Availability().Limited);
    }

    [Fact]
    public void ResizeToTheLargestInt64_IsEFBIG_NotAnException()
    {
        _fx.RunningPool("big");
        _fx.Driver.CreateVolume("big", BackendFixture.Raw("v", 1 << 20));

        var e = Assert.Throws<StorageException>(() => _fx.Driver.ResizeVolume("big", "v", long.MaxValue));
        Assert.Equal(27, e.OsErrno); // EFBIG
        var huge = Assert.Throws<StorageException>(() => _fx.Driver.ResizeVolume("big", "v", ulong.MaxValue));
        Assert.Equal(27, huge.OsErrno);
        Assert.Equal(1 << 20, new FileInfo(Path.Combine(_fx.PoolPath("big"), "v")).Length);
    }

    [RootFact]
    public void CreateOnAFullFileSystem_IsENOSPC_ForRawAndQcow2()
    {
        string target = Path.Combine(_fx.Data, "full");
        Directory.CreateDirectory(target);
        Sh.Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", target);
        _mounts.Add(target);
        _fx.Driver.DefinePool($"<pool type='dir'><name>full</name><target><path>{target}/pool</path></target></pool>");
        _fx.Driver.BuildPool("full");
        _fx.Driver.StartPool("full");

        var raw = Assert.Throws<StorageException>(() =>
            _fx.Driver.CreateVolume("full", BackendFixture.Raw("r", 8 << 20, allocation: 8 << 20)));
        Assert.Equal(28, raw.OsErrno); // ENOSPC

        // Fill the rest, then a qcow2 header has no room either.
        Sh.Try("dd", "if=/dev/zero", $"of={target}/pool/.filler", "bs=64k");
        var qcow2 = Assert.Throws<StorageException>(() => _fx.Driver.CreateVolume("full", BackendFixture.Qcow2("q", 1 << 30)));
        Assert.Equal(28, qcow2.OsErrno);
        var written = Assert.Throws<StorageException>(() =>
            _fx.Driver.CreateVolume("full", BackendFixture.Raw("w", 1 << 20, allocation: 1 << 20)));
        Assert.Equal(28, written.OsErrno);
        Assert.Empty(_fx.Driver.ListVolumeNames("full"));
    }
}
