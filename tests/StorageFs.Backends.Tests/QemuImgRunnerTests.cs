using Serilog.Core;
using StorageFs.Backends.QemuImg;
using StorageFs.Core;

namespace StorageFs.Backends.Tests;

/// <summary>Against the real qemu-img (apt qemu-utils).</summary>
public sealed class QemuImgRunnerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly QemuImgRunner _qemuImg = new(Logger.None);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CreateThenInfo_ReportsFormatSizesBackingAndQcow2Options()
    {
        await _qemuImg.CreateAsync("qcow2", _dir["base.qcow2"], 64UL << 20, new() { Compat = "1.1" });
        await _qemuImg.CreateAsync("qcow2", _dir["top.qcow2"], 0, new() { Compat = "1.1", LazyRefcounts = true, ClusterSize = 131072 }, "base.qcow2", "qcow2");

        QemuImgInfo info = await _qemuImg.InfoAsync(_dir["top.qcow2"], "qcow2");

        Assert.Equal("qcow2", info.Format);
        Assert.Equal(64L << 20, info.VirtualSize);
        Assert.True(info.ActualSize > 0);
        Assert.Equal(("base.qcow2", "qcow2"), (info.BackingFilename, info.BackingFilenameFormat));
        Assert.Equal(_dir["base.qcow2"], info.FullBackingFilename);
        Assert.Equal(131072, info.ClusterSize);
        Assert.Equal(("1.1", (bool?)true), (info.Compat, info.LazyRefcounts));
        Assert.False(info.Encrypted);
    }

    [Fact]
    public async Task Create_WithLibvirtsDefaultCompat_MakesAVersion2Image()
    {
        await _qemuImg.CreateAsync("qcow2", _dir["v.qcow2"], 1UL << 20, new());

        Assert.Equal("0.10", (await _qemuImg.InfoAsync(_dir["v.qcow2"])).Compat);
    }

    [Fact]
    public async Task Resize_GrowsAndShrinksOnlyWithShrink()
    {
        await _qemuImg.CreateAsync("qcow2", _dir["r.qcow2"], 64UL << 20, new() { Compat = "1.1" });

        await _qemuImg.ResizeAsync(_dir["r.qcow2"], 100_000_000, shrink: false);
        Assert.Equal(100_000_000 + 256, (await _qemuImg.InfoAsync(_dir["r.qcow2"])).VirtualSize); // rounded up to 512
        var e = await Assert.ThrowsAsync<StorageException>(() => _qemuImg.ResizeAsync(_dir["r.qcow2"], 32UL << 20, shrink: false));
        await _qemuImg.ResizeAsync(_dir["r.qcow2"], 32UL << 20, shrink: true);

        Assert.Equal(ErrorCode.InternalError, e.Code);
        Assert.StartsWith($"Child process (qemu-img resize {_dir["r.qcow2"]} 33554432) unexpected exit status 1: qemu-img: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("--shrink", e.Message, StringComparison.Ordinal);
        Assert.Equal(32L << 20, (await _qemuImg.InfoAsync(_dir["r.qcow2"])).VirtualSize);
    }

    [Fact]
    public async Task Convert_QcowToRaw_ReportsProgressUpToDone_AndKeepsTheData()
    {
        await _qemuImg.CreateAsync("qcow2", _dir["src.qcow2"], 16UL << 20, new() { Compat = "1.1" });
        Shell.Run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", _dir["src.qcow2"]);
        var reported = new List<double>();

        await _qemuImg.ConvertAsync("qcow2", _dir["src.qcow2"], "raw", _dir["dst.raw"], new(), new SynchronousProgress(reported.Add));

        Assert.NotEmpty(reported);
        Assert.Equal(1.0, reported[^1]);
        byte[] data = File.ReadAllBytes(_dir["dst.raw"]);
        Assert.Equal(16 << 20, data.Length);
        Assert.All(data.AsSpan(1 << 20, 65536).ToArray(), b => Assert.Equal(0x5a, b));
    }

    [Fact]
    public async Task Check_ACleanImage_IsClean_AndRawHasNoChecks()
    {
        await _qemuImg.CreateAsync("qcow2", _dir["c.qcow2"], 16UL << 20, new() { Compat = "1.1" });
        await _qemuImg.CreateAsync("raw", _dir["c.raw"], 1UL << 20, new());

        QemuImgCheckResult result = await _qemuImg.CheckAsync(_dir["c.qcow2"], "qcow2");
        var e = await Assert.ThrowsAsync<StorageException>(() => _qemuImg.CheckAsync(_dir["c.raw"], "raw"));

        Assert.True(result.IsClean);
        Assert.Equal("qcow2", result.Format);
        Assert.Equal(ErrorCode.NoSupport, e.Code);
    }

    [Fact]
    public async Task Check_ALeakyImage_ReportsLeaksWithoutThrowing()
    {
        await _qemuImg.CreateAsync("qcow2", _dir["l.qcow2"], 16UL << 20, new() { Compat = "1.1" });
        Shell.Run("qemu-io", "-f", "qcow2", "-c", "write 0 64k", _dir["l.qcow2"]);

        // Zero the first L1 entry (l1_table_offset is the big-endian u64 at 40): its L2 table
        // and data cluster keep their refcounts but nothing references them, i.e. leaks.
        byte[] image = File.ReadAllBytes(_dir["l.qcow2"]);
        long l1 = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(image.AsSpan(40));
        image.AsSpan((int)l1, 8).Clear();
        File.WriteAllBytes(_dir["l.qcow2"], image);

        QemuImgCheckResult result = await _qemuImg.CheckAsync(_dir["l.qcow2"], "qcow2");

        Assert.Equal((0L, 0L, 2L), (result.CheckErrors, result.Corruptions, result.Leaks));
        Assert.False(result.IsClean);
    }

    [Fact]
    public async Task Info_OnAMissingFile_CarriesQemuImgsStderr()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => _qemuImg.InfoAsync(_dir["nope.qcow2"]));

        Assert.Contains("No such file or directory", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("Child process (qemu-img info --output=json ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACancelledCall_KillsTheProcess_AndFailsWithOperationAborted()
    {
        await _qemuImg.CreateAsync("raw", _dir["big.raw"], 1UL << 30, new());
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            _qemuImg.ConvertAsync("raw", _dir["big.raw"], "qcow2", _dir["out.qcow2"], new(), null, cancel.Token));

        Assert.Equal(ErrorCode.OperationAborted, e.Code);
    }

    [Fact]
    public async Task AMissingExecutable_FailsWithUnableToFind()
    {
        var runner = new QemuImgRunner(Logger.None, "/nonexistent/qemu-img");

        var e = await Assert.ThrowsAsync<StorageException>(() => runner.InfoAsync(_dir["x"]));

        Assert.Equal(ErrorCode.InternalError, e.Code);
        Assert.StartsWith("unable to find /nonexistent/qemu-img", e.Message, StringComparison.Ordinal);
    }
}
