using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Interop;
using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tests;

/// <summary>Reading ahead the subdirectories of a directory whose reader stats everything, on a real scratch directory.</summary>
public sealed class RealStataheadTests : IDisposable
{
    private static readonly RequestContext Root = RequestContext.Detached(0);
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-statahead-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("storagefs-outside-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [Fact]
    public void ReadingAhead_StatsTheNamesOfEverySubdirectory_MovesNoAccessTime_AndFollowsNoSymlink()
    {
        var old = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (string d in new[] { "d1", "d2" })
        {
            Directory.CreateDirectory(Path.Combine(_dir, "a", d));
            for (int i = 0; i < 5; i++)
                File.WriteAllText(Path.Combine(_dir, "a", d, $"f{i}"), "x");
            Directory.SetLastAccessTimeUtc(Path.Combine(_dir, "a", d), old); // relatime would move it on a plain read
        }
        File.WriteAllText(Path.Combine(_outside, "secret"), "x");
        Directory.SetLastAccessTimeUtc(_outside, old);
        Directory.CreateSymbolicLink(Path.Combine(_dir, "a", "link"), _outside);
        var root = new RealDir(_dir, TimeSpan.FromSeconds(1));
        Assert.Equal(Errno.Ok, root.Lookup(Root, "a", out var a));

        RealStatahead.Start();
        long warmed = RealStatahead.Warmed, names = RealStatahead.Names;
        RealStatahead.Subdirectories((RealDir)a!);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (RealStatahead.Warmed == warmed && DateTime.UtcNow < until)
            Thread.Sleep(10);

        Assert.True(RealStatahead.Warmed > warmed, "the directory was never read ahead");
        Assert.Equal(10, RealStatahead.Names - names); // d1's and d2's five each; nothing through the link
        Assert.Equal(old, Directory.GetLastAccessTimeUtc(Path.Combine(_dir, "a", "d1")));
        Assert.Equal(old, Directory.GetLastAccessTimeUtc(Path.Combine(_dir, "a", "d2")));
        Assert.Equal(old, Directory.GetLastAccessTimeUtc(_outside));
    }

    [Fact]
    public void ReadingADirectoryAhead_StatsEachOfItsNames_MovesNoAccessTime_AndFollowsNoSymlink()
    {
        var old = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        string pool = Path.Combine(_dir, "pool");
        Directory.CreateDirectory(pool);
        for (int i = 0; i < 7; i++)
            File.WriteAllText(Path.Combine(pool, $"v{i}.raw"), "x");
        Directory.CreateDirectory(Path.Combine(_outside, "inner"));
        Directory.SetLastAccessTimeUtc(Path.Combine(_outside, "inner"), old);
        Directory.CreateSymbolicLink(Path.Combine(pool, "link"), Path.Combine(_outside, "inner"));
        Directory.SetLastAccessTimeUtc(pool, old);

        RealStatahead.Start();
        long warmed = RealStatahead.Warmed, names = RealStatahead.Names;
        RealStatahead.Directory(pool);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (RealStatahead.Names - names < 8 && DateTime.UtcNow < until)
            Thread.Sleep(10);

        Assert.True(RealStatahead.Names - names >= 8, "the directory's names were never read ahead"); // 7 files and the link itself
        Assert.True(RealStatahead.Warmed > warmed);
        Assert.Equal(old, Directory.GetLastAccessTimeUtc(pool));
        Assert.Equal(old, Directory.GetLastAccessTimeUtc(Path.Combine(_outside, "inner")));
    }
}
