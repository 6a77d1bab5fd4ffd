using System.Diagnostics;

namespace StorageFs.Interop.Tests;

/// <summary>The one reader of /proc/self/mountinfo (proc(5)): lines captured from this kernel, and a real mount.</summary>
public sealed class MountInfoTests
{
    private const string Table = """
        27 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw
        46 27 0:41 / /tmp/a\040b rw,nosuid,nodev,relatime shared:2 - fuse.storagefs storagefs rw,user_id=0,group_id=0,default_permissions
        52 46 0:47 / /tmp/a\040b rw,nosuid,nodev,relatime - fuse.storagefs storagefs rw,user_id=0,group_id=0,default_permissions,allow_other
        53 27 7:1 / /srv/fs rw,relatime - ext4 /dev/loop1 rw
        garbage line
        """;

    [Fact]
    public void Parse_DecodesEscapes_AndKeepsStackedMountsInOrder()
    {
        var table = MountInfo.Parse(Table);
        Assert.Equal(4, table.Count);
        var stack = MountInfo.At("/tmp/a b", table);
        Assert.Equal([41u, 47u], stack.Select(e => e.Minor));
        Assert.All(stack, e => Assert.Equal("fuse.storagefs", e.FsType));
        Assert.Equal(52, MountInfo.TopAt("/tmp/a b", table)!.Id);
        Assert.Equal(new MountInfoEntry(53, 7, 1, "/srv/fs", "ext4", "/dev/loop1"), MountInfo.TopAt("/srv/fs", table));
        Assert.Null(MountInfo.TopAt("/tmp", table));
    }

    [Theory]
    [InlineData(@"/mnt/a\040b", "/mnt/a b")]
    [InlineData(@"/mnt/tab\011here", "/mnt/tab\there")]
    [InlineData(@"/mnt/new\012line", "/mnt/new\nline")]
    [InlineData(@"/mnt/back\134slash", @"/mnt/back\slash")]
    [InlineData(@"/mnt/\040\011\012\134", "/mnt/ \t\n\\")]
    [InlineData(@"/mnt/caf\303\251", "/mnt/café")] // UTF-8 bytes the kernel left alone arrive as text; octal bytes join them
    [InlineData(@"/mnt/not\8escape", @"/mnt/not\8escape")]
    public void Parse_UndoesTheKernelsOctalEscapes_InTheMountPointSourceAndType(string field, string expected)
    {
        var entry = Assert.Single(MountInfo.Parse($"60 27 0:50 / {field} rw - fuse.x{field} {field} rw\n"));
        Assert.Equal(expected, entry.MountPoint);
        Assert.Equal(expected, entry.Source);
        Assert.Equal("fuse.x" + expected, entry.FsType);
    }

    [Fact]
    public void Read_FindsARealMount_WhoseNameHasASpaceTabNewlineAndBackslash()
    {
        string root = Directory.CreateTempSubdirectory("mountinfo-").FullName;
        string target = Path.Combine(root, "a b\tc\nd\\e");
        Directory.CreateDirectory(target);
        try
        {
            Run("mount", "-t", "tmpfs", "-o", "size=1m", "mi-src x", target);
            var top = MountInfo.TopAt(target);
            Assert.NotNull(top);
            Assert.Equal(("tmpfs", "mi-src x"), (top.FsType, top.Source));
            Assert.Equal(target, top.MountPoint);
        }
        finally
        {
            Run("umount", target);
            Directory.Delete(root, recursive: true);
        }
        Assert.Null(MountInfo.TopAt(target));
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }
}
