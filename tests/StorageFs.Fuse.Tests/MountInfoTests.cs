using StorageFs.Fuse.Session;

namespace StorageFs.Fuse.Tests;

/// <summary>The engine's reader of /proc/self/mountinfo (proc(5)), on lines captured from this kernel.</summary>
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
}
