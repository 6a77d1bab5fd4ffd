using StorageFs.Backends.Tests.Dir;
using StorageFs.Core;
using StorageFs.Core.Driver;

namespace StorageFs.Backends.Tests.FsPool;

/// <summary>dir fspools on real directories: items are subdirectories, sized by walking
/// without following links, copied and deleted without ever leaving the item.</summary>
public sealed class DirFsPoolTests : IDisposable
{
    private readonly BackendFixture _fx = new();
    private readonly string _root;

    public DirFsPoolTests()
    {
        _root = _fx.PoolPath("f");
        _fx.Driver.DefineFsPool($"<fspool type='dir'><name>f</name><target><path>{_root}</path></target></fspool>");
        _fx.Driver.BuildFsPool("f");
        _fx.Driver.StartFsPool("f");
    }

    public void Dispose() => _fx.Dispose();

    private string ItemPath(string name) => Path.Combine(_root, name);

    [Fact]
    public void Build_MakesTheRootWithMode0755()
    {
        Assert.Equal(0x1EDu, BackendFixture.StatOf(_root).Mode);
        var info = _fx.Driver.GetFsPoolInfo("f");
        Assert.Equal(PoolState.Running, info.State);
        Assert.Equal(info.Capacity, info.Allocation + info.Available);
    }

    [Fact]
    public void CreateItem_MakesASubdirectory_Mode0700ByDefault()
    {
        var item = _fx.Driver.CreateItem("f", "<fsitem><name>i</name><capacity unit='G'>10</capacity></fsitem>");
        Assert.Equal(ItemPath("i"), item.Path);
        Assert.Equal(0x1C0u, BackendFixture.StatOf(ItemPath("i")).Mode);
        Assert.Equal(10UL << 30, item.Capacity);
        Assert.Contains("<format type='dir'/>", _fx.Driver.GetItemXml("f", "i"), StringComparison.Ordinal);
    }

    [Fact]
    public void SyncItems_AddsADirectoryMadeOnTheHost_AndDropsOneRemovedThere_WithEvents()
    {
        var events = new List<string>();
        _fx.Driver.Changed += (_, e) => { if (e.Child is not null) lock (events) events.Add($"{e.Kind} {e.Child}"); };
        Directory.CreateDirectory(ItemPath("host"));
        File.WriteAllText(Path.Combine(_root, "file"), "not an item");
        Assert.Empty(_fx.Driver.ListItems("f"));

        _fx.Driver.SyncItems("f");
        Assert.Equal(["host"], _fx.Driver.ListItems("f").Select(i => i.Name));
        Directory.Delete(ItemPath("host"));
        _fx.Driver.SyncItems("f");
        Assert.Empty(_fx.Driver.ListItems("f"));
        Assert.Equal(["VolumeCreated host", "VolumeDeleted host"], events);
    }

    [Fact]
    public void HasItem_FindsOneNameMadeOnTheHost_AndOpenItem_DropsOneGoneFromIt()
    {
        Assert.False(_fx.Driver.HasItem("f", "late"));
        Directory.CreateDirectory(ItemPath("late"));
        Assert.True(_fx.Driver.HasItem("f", "late"));
        using (var fd = _fx.Driver.OpenItem("f", "late"))
            Assert.False(fd.IsInvalid);
        Directory.Delete(ItemPath("late"));
        var e = Assert.Throws<StorageException>(() => _fx.Driver.OpenItem("f", "late"));
        Assert.Equal(ErrorCode.NoStorageVol, e.Code);
        Assert.Empty(_fx.Driver.ListItems("f"));
    }

    [Fact]
    public void Capacity_IsKeptWithTheItem_AcrossARefreshThatForgetsEverything()
    {
        _fx.Driver.CreateItem("f", "<fsitem><name>i</name><capacity unit='G'>3</capacity></fsitem>");
        Assert.Equal("3221225472", System.Text.Encoding.ASCII.GetString(
            Xattr(ItemPath("i"), "trusted.storagefs.capacity")));
        _fx.Driver.StopFsPool("f");
        _fx.Driver.StartFsPool("f");
        var info = _fx.Driver.GetItemInfo("f", "i");
        Assert.Equal(3UL << 30, info.Capacity);
        Assert.StartsWith("not enforced: ", info.Enforcement, StringComparison.Ordinal);
        Assert.Contains("Quota:          not enforced: ", info.ToVirshText(bytes: true), StringComparison.Ordinal);
    }

    private static byte[] Xattr(string path, string name)
    {
        var buf = new byte[64];
        long n = GetXattr(path, name, buf, (nuint)buf.Length);
        Assert.True(n >= 0, $"getxattr {name} on {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return buf[..(int)n];
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getxattr", SetLastError = true)]
    private static extern long GetXattr([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path,
        [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size);

    [RootFact]
    public void CreateItem_AppliesModeOwnerAndGroup()
    {
        _fx.Driver.CreateItem("f", "<fsitem><name>i</name><target><permissions><mode>0751</mode>" +
            "<owner>1001</owner><group>1002</group></permissions></target></fsitem>");
        Assert.Equal((0x1E9u, 1001u, 1002u), BackendFixture.StatOf(ItemPath("i")));
    }

    [Fact]
    public void ItemAllocation_CountsTheTree_ButNotWhatSymlinksPointAt()
    {
        _fx.Driver.CreateItem("f", "<fsitem><name>i</name></fsitem>");
        Directory.CreateDirectory(Path.Combine(ItemPath("i"), "sub"));
        File.WriteAllBytes(Path.Combine(ItemPath("i"), "sub", "data"), new byte[1 << 20]);
        var big = Path.Combine(_fx.Outside, "big");
        File.WriteAllBytes(big, new byte[8 << 20]);
        File.CreateSymbolicLink(Path.Combine(ItemPath("i"), "link-to-big"), big);
        File.CreateSymbolicLink(Path.Combine(ItemPath("i"), "link-to-outside"), _fx.Outside);

        var info = _fx.Driver.GetItemInfo("f", "i");

        Assert.InRange(info.Allocation, 1UL << 20, 2UL << 20);
        Assert.Equal(info.Allocation, (ulong)BackendFixture.Allocated(ItemPath("i")));
    }

    [Fact]
    public void DeleteItem_RemovesTheTree_ButNothingASymlinkPointsAt()
    {
        _fx.Driver.CreateItem("f", "<fsitem><name>i</name></fsitem>");
        var victims = Directory.CreateDirectory(Path.Combine(_fx.Outside, "victims")).FullName;
        File.WriteAllText(Path.Combine(victims, "keep.txt"), "keep");
        Directory.CreateDirectory(Path.Combine(ItemPath("i"), "a", "b"));
        File.WriteAllText(Path.Combine(ItemPath("i"), "a", "b", "file"), "x");
        File.CreateSymbolicLink(Path.Combine(ItemPath("i"), "a", "escape-dir"), victims);
        File.CreateSymbolicLink(Path.Combine(ItemPath("i"), "escape-file"), Path.Combine(victims, "keep.txt"));

        _fx.Driver.DeleteItem("f", "i");

        Assert.False(Directory.Exists(ItemPath("i")));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(victims, "keep.txt")));
        Assert.Empty(_fx.Driver.ListItems("f"));
    }

    [Fact]
    public void DeleteItem_ThatIsItselfASymlinkToADirectoryOutside_RemovesOnlyTheLink()
    {
        var victims = Directory.CreateDirectory(Path.Combine(_fx.Outside, "victims")).FullName;
        File.WriteAllText(Path.Combine(victims, "keep.txt"), "keep");
        _fx.Driver.CreateItem("f", "<fsitem><name>i</name></fsitem>");
        Directory.Delete(ItemPath("i"));
        File.CreateSymbolicLink(ItemPath("i"), victims);

        _fx.Driver.DeleteItem("f", "i");

        Assert.Equal("keep", File.ReadAllText(Path.Combine(victims, "keep.txt")));
        Assert.False(new FileInfo(ItemPath("i")).Exists || Directory.Exists(ItemPath("i")));
    }

    [Fact]
    public void CloneItem_CopiesTheTree_AndSymlinksAsSymlinks()
    {
        _fx.Driver.CreateItem("f", "<fsitem><name>src</name></fsitem>");
        Directory.CreateDirectory(Path.Combine(ItemPath("src"), "d"));
        File.WriteAllText(Path.Combine(ItemPath("src"), "d", "file"), "content");
        File.CreateSymbolicLink(Path.Combine(ItemPath("src"), "out"), _fx.Outside);
        File.WriteAllBytes(Path.Combine(_fx.Outside, "big"), new byte[4 << 20]);

        var job = _fx.Driver.StartCloneItem("f", "<fsitem><name>copy</name></fsitem>", "f", "src");
        job.Wait();

        Assert.Equal("content", File.ReadAllText(Path.Combine(ItemPath("copy"), "d", "file")));
        Assert.Equal(_fx.Outside, new FileInfo(Path.Combine(ItemPath("copy"), "out")).LinkTarget);
        Assert.Equal(7UL, job.TotalBytes);
        Assert.True(_fx.Driver.GetItemInfo("f", "copy").Allocation < (1UL << 20));
        Assert.Equal(["copy", "src"], _fx.Driver.ListItems("f").Select(i => i.Name));
    }

    [Fact]
    public void Refresh_ListsSubdirectoriesOnly()
    {
        Directory.CreateDirectory(ItemPath("dropped"));
        File.WriteAllText(ItemPath("file.txt"), "not an item");
        File.CreateSymbolicLink(ItemPath("link"), _fx.Outside);
        _fx.Driver.RefreshFsPool("f");
        Assert.Equal(["dropped"], _fx.Driver.ListItems("f").Select(i => i.Name));
    }

    [Fact]
    public void CreateItem_ExistingPath_IsRefused_AndDeletePoolNeedsAnEmptyRoot()
    {
        Directory.CreateDirectory(ItemPath("x"));
        var e = Assert.Throws<StorageException>(() => _fx.Driver.CreateItem("f", "<fsitem><name>x</name></fsitem>"));
        Assert.Equal($"Requested operation is not valid: item target path '{ItemPath("x")}' already exists", e.Message);

        _fx.Driver.StopFsPool("f");
        e = Assert.Throws<StorageException>(() => _fx.Driver.DeleteFsPool("f"));
        Assert.Equal($"failed to remove fspool '{_root}': Directory not empty", e.Message);
    }

    [Fact]
    public void Items_SurviveARestart()
    {
        _fx.Driver.CreateItem("f", "<fsitem><name>i</name></fsitem>");
        var after = _fx.NewDriver();
        Assert.Equal("i", Assert.Single(after.ListItems("f")).Name);
    }
}
