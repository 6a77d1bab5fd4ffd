using System.Collections.Concurrent;
using StorageFs.Core.Backend;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// A small dir-type backend for driver tests: real directories and files in a temp tree, plus
/// switches a test flips to hold the driver in a state (a build or wipe blocked on a gate, a
/// refresh that fails, entries reported as unreadable). Files named "unreadable*" are reported
/// as problems (the pool degrades); files named "sparse*" report no allocation. The production dir backend is tested in Backends.Tests.
/// </summary>
internal sealed class TestDirBackend : IPoolBackend
{
    public PoolBackendCapabilities Capabilities { get; } = new(
        PoolType.Dir,
        PoolOperations.Check | PoolOperations.Build | PoolOperations.Delete | PoolOperations.Refresh |
        PoolOperations.CreateVolume | PoolOperations.CloneVolume | PoolOperations.DeleteVolume |
        PoolOperations.ResizeVolume | PoolOperations.WipeVolume | PoolOperations.UploadVolume |
        PoolOperations.DownloadVolume | PoolOperations.RefreshVolume,
        ["raw"], "raw", [WipeAlgorithm.Zero], PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        [PoolType.Dir], TargetIsDirectory: true);

    /// <summary>Pools (by name) whose build waits on <see cref="BuildGate"/>.</summary>
    public ConcurrentDictionary<string, bool> HoldBuild { get; } = new();

    public ManualResetEventSlim BuildGate { get; } = new(true);

    /// <summary>Wipes wait on this gate (checking cancellation) before writing.</summary>
    public ManualResetEventSlim WipeGate { get; } = new(true);

    /// <summary>Signalled when a wipe has started and is waiting on <see cref="WipeGate"/>.</summary>
    public ManualResetEventSlim WipeStarted { get; } = new(false);

    /// <summary>Pools (by name) whose refresh throws.</summary>
    public ConcurrentDictionary<string, bool> FailRefresh { get; } = new();

    public int Refreshes;

    /// <summary>When set, a refresh reads the directory, signals <see cref="RefreshStarted"/> and waits on <see cref="RefreshGate"/>.</summary>
    public bool HoldRefresh { get; set; }

    public ManualResetEventSlim RefreshGate { get; } = new(true);

    public ManualResetEventSlim RefreshStarted { get; } = new(false);

    public bool CheckActive(PoolDefinition pool) => Directory.Exists(pool.Target.Path);

    public void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        if (HoldBuild.ContainsKey(pool.Name))
        {
            BuildGate.Wait(cancellation);
        }
        Directory.CreateDirectory(pool.Target.Path!);
    }

    public void Delete(PoolDefinition pool)
    {
        try
        {
            Directory.Delete(pool.Target.Path!);
        }
        catch (IOException e)
        {
            throw StorageErrors.Io(e, $"failed to remove pool '{pool.Target.Path}'");
        }
    }

    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Refreshes);
        if (FailRefresh.ContainsKey(pool.Name))
        {
            throw StorageErrors.Internal($"refresh of '{pool.Name}' failed on purpose");
        }
        if (!Directory.Exists(pool.Target.Path))
        {
            throw StorageErrors.System(2, $"cannot open directory '{pool.Target.Path}'");
        }
        var volumes = new List<VolumeDefinition>();
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(pool.Target.Path!))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("unreadable", StringComparison.Ordinal))
            {
                problems.Add($"cannot read '{file}'");
                continue;
            }
            var vol = new VolumeDefinition { Name = name };
            vol.Target.Path = file;
            vol.Key = file;
            Fill(vol);
            volumes.Add(vol);
        }
        if (HoldRefresh)
        {
            // The directory has been read: hold the result back, as a slow refresh would.
            RefreshStarted.Set();
            RefreshGate.Wait(cancellation);
        }
        return new PoolRefreshResult(new PoolSizes(1UL << 40, 1UL << 30, (1UL << 40) - (1UL << 30)), volumes, null, problems);
    }

    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        var path = Path.Combine(pool.Target.Path!, volume.Name);
        if (File.Exists(path))
        {
            throw StorageErrors.OperationFailed($"volume target path '{path}' already exists");
        }
        volume.Target.Path = path;
        volume.Key = path;
    }

    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation)
    {
        using var f = new FileStream(volume.Target.Path!, FileMode.CreateNew);
        f.SetLength((long)volume.Capacity);
    }

    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool,
        VolumeDefinition source, VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        File.Copy(source.Target.Path!, volume.Target.Path!);
        progress.SetTotal(source.Capacity);
        progress.Report(source.Capacity);
    }

    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume) => File.Delete(volume.Target.Path!);

    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags)
    {
        using var f = new FileStream(volume.Target.Path!, FileMode.Open);
        f.SetLength((long)capacity);
    }

    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation)
    {
        progress.SetTotal(volume.Capacity);
        WipeStarted.Set();
        WipeGate.Wait(cancellation);
        using var f = new FileStream(volume.Target.Path!, FileMode.Open);
        var zeros = new byte[4096];
        for (long done = 0; done < f.Length; done += zeros.Length)
        {
            cancellation.ThrowIfCancellationRequested();
            f.Write(zeros, 0, (int)Math.Min(zeros.Length, f.Length - done));
            progress.Report((ulong)Math.Min(done + zeros.Length, f.Length));
        }
    }

    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        VolumeData.FromStream(new FileStream(volume.Target.Path!, FileMode.Open,
            mode == VolumeAccessMode.Write ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite));

    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume) => Fill(volume);

    private static void Fill(VolumeDefinition vol)
    {
        var info = new FileInfo(vol.Target.Path!);
        if (!info.Exists)
        {
            throw StorageErrors.System(2, $"cannot stat file '{vol.Target.Path}'");
        }
        vol.Capacity = (ulong)info.Length;
        vol.Allocation = vol.Name.StartsWith("sparse", StringComparison.Ordinal) ? 0 : (ulong)info.Length;
        vol.Target.Format = "raw";
    }
}
