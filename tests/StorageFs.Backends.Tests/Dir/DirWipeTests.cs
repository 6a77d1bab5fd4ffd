using System.Diagnostics;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Backends.Tests.Dir;

/// <summary>Wipes on real files: zero and trim punch holes, patterned algorithms leave their
/// last pattern, long wipes run as cancellable jobs while the pool stays readable.</summary>
public sealed class DirWipeTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly BackendFixture _fx = new();

    public DirWipeTests()
    {
        _fx.RunningPool("p");
    }

    public void Dispose() => _fx.Dispose();

    private string VolPath(string name) => Path.Combine(_fx.PoolPath("p"), name);

    private void FillRandom(string name, int bytes)
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw(name, (ulong)bytes));
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        using var s = _fx.Driver.OpenVolume("p", name, VolumeAccessMode.Write).AsStream();
        s.Write(data);
    }

    [Theory]
    [InlineData(WipeAlgorithm.Zero)]
    [InlineData(WipeAlgorithm.Trim)]
    public void ZeroAndTrim_ReadBackZeros_KeepTheSize_AndPunchEveryBlock(WipeAlgorithm algorithm)
    {
        FillRandom("v", 8 * MiB);
        Assert.True(BackendFixture.Allocated(VolPath("v")) >= 8 * MiB);

        var clock = Stopwatch.StartNew();
        _fx.Driver.WipeVolume("p", "v", algorithm);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        var bytes = File.ReadAllBytes(VolPath("v"));
        Assert.Equal(8 * MiB, bytes.Length);
        Assert.False(bytes.AsSpan().ContainsAnyExcept((byte)0));
        Assert.Equal(0, BackendFixture.Allocated(VolPath("v")));
        var info = _fx.Driver.GetVolumeInfo("p", "v");
        Assert.Equal((8UL * MiB, 0UL), (info.Capacity, info.Allocation));
    }

    [Theory]
    [InlineData(WipeAlgorithm.Dod, 0xff, 4)]
    [InlineData(WipeAlgorithm.Bsi, 0x7f, 9)]
    [InlineData(WipeAlgorithm.Nnsa, 0x00, 4)]
    [InlineData(WipeAlgorithm.Schneier, -1, 7)]
    public void PatternedAlgorithm_OverwritesEveryByte_WithItsPasses(WipeAlgorithm algorithm, int lastByte, int passes)
    {
        FillRandom("v", MiB + 12345);
        var before = File.ReadAllBytes(VolPath("v"));

        var job = _fx.Driver.StartWipeVolume("p", "v", algorithm);
        job.Wait();

        var after = File.ReadAllBytes(VolPath("v"));
        Assert.Equal(before.Length, after.Length);
        if (lastByte >= 0)
        {
            Assert.False(after.AsSpan().ContainsAnyExcept((byte)lastByte));
        }
        else
        {
            Assert.True(after.Zip(before).Count(p => p.First == p.Second) < after.Length / 64);
        }
        Assert.Equal((ulong)before.Length * (ulong)passes, job.TotalBytes);
        Assert.Equal(job.TotalBytes, job.DoneBytes);
    }

    [Fact]
    public void Gutmann_EndsWithRandomData_NotTheOriginal()
    {
        FillRandom("v", 64 * 1024);
        var before = File.ReadAllBytes(VolPath("v"));
        _fx.Driver.WipeVolume("p", "v", WipeAlgorithm.Gutmann);
        var after = File.ReadAllBytes(VolPath("v"));
        Assert.True(after.Zip(before).Count(p => p.First == p.Second) < after.Length / 64);
    }

    [Fact]
    public void WipeOfAQcow2Volume_DestroysTheImage_WhichThenProbesAsRaw()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("v.qcow2", 16 * MiB));
        _fx.Driver.WipeVolume("p", "v.qcow2");
        Assert.Equal("raw", _fx.Driver.GetVolumeInfo("p", "v.qcow2").Format);
    }

    [Fact]
    public void LongWipe_RunsAsAJob_WhilePoolAndVolumeInfoStayReadable_ThenCancels()
    {
        FillRandom("big", 64 * MiB);
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("small", 4096));
        var job = _fx.Driver.StartWipeVolume("p", "big", WipeAlgorithm.Pfitzner33);

        var slowest = TimeSpan.Zero;
        for (int i = 0; i < 20 && job.Status == JobStatus.Running; i++)
        {
            var clock = Stopwatch.StartNew();
            Assert.True(_fx.Driver.GetPoolInfo("p").IsActive);
            Assert.Equal(2, _fx.Driver.ListVolumes("p").Count);
            Assert.Equal(64UL * MiB, _fx.Driver.GetVolumeInfo("p", "big").Capacity);
            _fx.Driver.ResizeVolume("p", "small", 8192);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            Thread.Sleep(20);
        }
        Assert.Equal(JobStatus.Running, job.Status);
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"a read took {slowest} during the wipe");
        Assert.True(job.DoneBytes < job.TotalBytes);
        Assert.Equal(33UL * 64 * MiB, job.TotalBytes);

        job.Cancel();
        var e = Assert.Throws<StorageException>(job.Wait);

        Assert.Equal(ErrorCode.OperationAborted, e.Code);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        _fx.Driver.DeleteVolume("p", "big");
    }
}
