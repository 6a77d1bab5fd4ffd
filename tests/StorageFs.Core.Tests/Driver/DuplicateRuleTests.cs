using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// Name, UUID and source duplicates (virStoragePoolObjIsDuplicate and
/// virStoragePoolObjSourceFindDuplicate in libvirt's src/conf/virstorageobj.c), plus the
/// directory rule libvirt lacks: one directory, however spelled, hosts one pool or fspool.
/// </summary>
public sealed class DuplicateRuleTests : IDisposable
{
    private readonly DriverFixture _fx = new();
    private readonly StorageDriver _driver;

    public DuplicateRuleTests()
    {
        _driver = _fx.NewDriver();
    }

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void DefinePool_SameNameDifferentUuid_FailsWithLibvirtsMessage_AndLeavesNoTrace()
    {
        var first = _driver.DefinePool(_fx.DirPool("p"));
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("p", _fx.PoolPath("q"))));
        Assert.Equal($"operation failed: pool 'p' already exists with uuid {first.Uuid:D}", e.Message);
        Assert.Equal(ErrorCode.PoolExists, e.Code);
        Assert.Contains(_fx.PoolPath("p") + "<", _driver.GetPoolXml("p"), StringComparison.Ordinal);
    }

    [Fact]
    public void DefinePool_SameUuidDifferentName_FailsWithLibvirtsMessage()
    {
        var uuid = Guid.NewGuid();
        _driver.DefinePool(_fx.DirPool("p", uuid: uuid));
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", uuid: uuid)));
        Assert.Equal($"operation failed: pool 'p' is already defined with uuid {uuid:D}", e.Message);
        Assert.Null(_driver.FindPool("q"));
        Assert.False(File.Exists(Path.Combine(_fx.Config, "pools", "q.xml")));
    }

    [Fact]
    public void DefinePool_SameNameAndUuid_IsARedefinition_NotAConflictWithItself()
    {
        var uuid = Guid.NewGuid();
        _driver.DefinePool(_fx.DirPool("p", uuid: uuid));
        _driver.DefinePool(_fx.DirPool("p", uuid: uuid));
        _driver.DefinePool(_fx.DirPool("p", _fx.PoolPath("elsewhere"), uuid));
        Assert.Contains(_fx.PoolPath("elsewhere"), _driver.GetPoolXml("p"), StringComparison.Ordinal);
    }

    [Fact]
    public void DefinePool_SameTargetDirectory_FailsWithStorageSourceConflict()
    {
        _driver.DefinePool(_fx.DirPool("p"));
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", _fx.PoolPath("p"))));
        Assert.Equal("operation failed: Storage source conflict with pool: 'p'", e.Message);
        Assert.Equal(ErrorCode.PoolExists, e.Code);
    }

    [Fact]
    public void DefinePool_TargetSpelledWithDotDotAndSlashes_IsCaught()
    {
        _driver.DefinePool(_fx.DirPool("p"));
        Directory.CreateDirectory(Path.Combine(_fx.Data, "a"));
        var spelled = _fx.Data + "//a/../p/.";
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", spelled)));
        Assert.Equal("operation failed: Storage source conflict with pool: 'p'", e.Message);
    }

    [Fact]
    public void DefinePool_TargetThroughASymlink_IsCaught()
    {
        Directory.CreateDirectory(_fx.PoolPath("p"));
        _driver.DefinePool(_fx.DirPool("p"));
        var link = Path.Combine(_fx.Data, "link");
        File.CreateSymbolicLink(link, _fx.PoolPath("p"));
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", link)));
        Assert.Equal("operation failed: Storage source conflict with pool: 'p'", e.Message);
    }

    [Fact]
    public void DefinePool_AfterManyDefines_StillCatchesEveryConflict_ThroughLinksMadeSince()
    {
        // Registered targets are resolved once and reused for a moment (PoolConflicts): the
        // reuse must not hide a conflict, with a link made after the pools were defined.
        for (int i = 0; i < 50; i++)
        {
            Directory.CreateDirectory(_fx.PoolPath($"p{i}"));
            _driver.DefinePool(_fx.DirPool($"p{i}"));
        }
        var link = Path.Combine(_fx.Data, "late-link");
        File.CreateSymbolicLink(link, _fx.PoolPath("p37"));
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", link)));
        Assert.Equal("operation failed: Storage source conflict with pool: 'p37'", e.Message);
        e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("r", _fx.PoolPath("p12") + "/../p12")));
        Assert.Equal("operation failed: Storage source conflict with pool: 'p12'", e.Message);
        Assert.Equal(50, _driver.ListPools().Count);
    }

    [Fact]
    public void DefinePool_ExistingPoolDefinedThroughASymlink_IsCaughtByTheRealPath()
    {
        Directory.CreateDirectory(_fx.PoolPath("real"));
        var link = Path.Combine(_fx.Data, "link");
        File.CreateSymbolicLink(link, _fx.PoolPath("real"));
        _driver.DefinePool(_fx.DirPool("p", link));
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", _fx.PoolPath("real"))));
        Assert.Equal("operation failed: Storage source conflict with pool: 'p'", e.Message);
    }

    [Fact]
    public void DefinePool_DirAndFsPoolOnOneDirectory_AreCaught_UnlikeLibvirt()
    {
        _driver.DefinePool(_fx.DirPool("p"));
        var fs = $"<pool type='fs'><name>f</name><source><device path='/dev/loop7'/></source>" +
                 $"<target><path>{_fx.PoolPath("p")}</path></target></pool>";
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(fs));
        Assert.Equal("operation failed: Storage source conflict with pool: 'p'", e.Message);
    }

    [Fact]
    public void DefineFsPool_OnADirPoolsDirectory_IsCaught_BothWays()
    {
        _driver.DefinePool(_fx.DirPool("p"));
        var e = Assert.Throws<StorageException>(() => _driver.DefineFsPool(_fx.FsPool("f", _fx.PoolPath("p"))));
        Assert.Equal("operation failed: FS source conflict with pool: 'p'", e.Message);

        _driver.DefineFsPool(_fx.FsPool("g"));
        e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", _fx.PoolPath("g"))));
        Assert.Equal("operation failed: Storage source conflict with fspool: 'g'", e.Message);
    }

    [Fact]
    public void DefineFsPool_SameDirectory_FailsWithFsSourceConflict()
    {
        _driver.DefineFsPool(_fx.FsPool("f"));
        var e = Assert.Throws<StorageException>(() => _driver.DefineFsPool(_fx.FsPool("g", _fx.PoolPath("f"))));
        Assert.Equal("operation failed: FS source conflict with fspool: 'f'", e.Message);
    }

    [Fact]
    public void PoolAndFsPool_MayShareAName()
    {
        _driver.DefinePool(_fx.DirPool("x"));
        _driver.DefineFsPool(_fx.FsPool("x", _fx.PoolPath("x-fs")));
        Assert.Single(_driver.ListPools());
        Assert.Single(_driver.ListFsPools());
    }

    [BindMountFact]
    public void DefinePool_BindMountedTarget_IsCaughtByDeviceAndInode()
    {
        Directory.CreateDirectory(_fx.PoolPath("p"));
        var mountPoint = Directory.CreateDirectory(_fx.PoolPath("bind")).FullName;
        Assert.True(Mount.Bind(_fx.PoolPath("p"), mountPoint, out var why), $"mount --bind failed: {why}");
        try
        {
            _driver.DefinePool(_fx.DirPool("p"));
            var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("q", mountPoint)));
            Assert.Equal("operation failed: Storage source conflict with pool: 'p'", e.Message);
        }
        finally
        {
            Mount.Unmount(mountPoint);
        }
    }

    public static TheoryData<string, string, bool> SourceRows() => new()
    {
        // Existing pool XML (without target), new pool XML, conflict expected.
        { Fs("/dev/loop1"), Fs("/dev/loop1"), true },
        { Fs("/dev/loop1"), Fs("/dev/loop2"), false },
        { Fs("/dev/loop1"), Logical("vg", "/dev/loop1"), true },
        { Logical("vg", "/dev/loop1"), Disk("/dev/loop1"), true },
        { Disk("/dev/loop1"), Fs("/dev/loop1"), true },
        { NetFs("nfs.example", 0, "/export"), NetFs("nfs.example", 0, "/export"), true },
        { NetFs("nfs.example", 0, "/export"), NetFs("NFS.example", 0, "/export/"), true },
        { NetFs("nfs.example", 0, "/export"), NetFs("nfs.example", 0, "/other"), false },
        { NetFs("nfs.example", 2049, "/export"), NetFs("nfs.example", 2050, "/export"), false },
        { NetFs("nfs.example", 2049, "/export"), NetFs("nfs.example", 0, "/export"), true },
        { Iscsi("iqn.2024-01.example:t1", null), Iscsi("iqn.2024-01.example:t1", null), true },
        { Iscsi("iqn.2024-01.example:t1", "iqn.i1"), Iscsi("iqn.2024-01.example:t1", "iqn.i2"), false },
        { Iscsi("iqn.2024-01.example:t1", null), Iscsi("iqn.2024-01.example:t2", null), false },
        { Scsi("host0"), Scsi("scsi_host0"), true },
        { Scsi("host0"), Scsi("host1"), false },
        { "<pool type='mpath'><name>OLD</name><target><path>/dev/mapper</path></target></pool>",
          "<pool type='mpath'><name>NEW</name><target><path>/dev/mapper</path></target></pool>", true },
        { Rbd("pool1"), Rbd("pool1"), false },
    };

    [Theory]
    [MemberData(nameof(SourceRows))]
    public void DefinePool_SourceRules_FollowLibvirtPerType(string existing, string candidate, bool conflict)
    {
        _driver.DefinePool(existing.Replace("DATA", _fx.Data, StringComparison.Ordinal).Replace("OLD", "old", StringComparison.Ordinal));
        var error = Record.Exception(() => _driver.DefinePool(
            candidate.Replace("DATA", _fx.Data, StringComparison.Ordinal).Replace("OLD", "new", StringComparison.Ordinal)));
        if (conflict)
        {
            var e = Assert.IsType<StorageException>(error);
            Assert.Equal("operation failed: Storage source conflict with pool: 'old'", e.Message);
        }
        else
        {
            Assert.Null(error);
        }
    }

    [Fact]
    public void DefinePool_DevicePathThroughASymlink_IsCaught()
    {
        var link = Path.Combine(_fx.Root, "disk-by-id");
        File.CreateSymbolicLink(link, "/dev/null");
        _driver.DefinePool(Fs("/dev/null").Replace("DATA", _fx.Data, StringComparison.Ordinal));
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(
            Fs(link).Replace("DATA", _fx.Data, StringComparison.Ordinal).Replace("OLD", "new", StringComparison.Ordinal)));
        Assert.Equal("operation failed: Storage source conflict with pool: 'OLD'", e.Message);
    }

    [Fact]
    public void ConcurrentDefines_OfOneName_LetExactlyOneWin()
    {
        var results = new StorageException?[16];
        Parallel.For(0, results.Length, i =>
        {
            results[i] = Record.Exception(() => _driver.DefinePool(_fx.DirPool("p", _fx.PoolPath("p" + i)))) as StorageException;
        });
        Assert.Single(results, r => r is null);
        Assert.All(results.Where(r => r is not null), r => Assert.Equal(ErrorCode.PoolExists, r!.Code));
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_fx.Config, "pools")));
        Assert.EndsWith("p.xml", file, StringComparison.Ordinal);
        Assert.Contains(_driver.GetPoolInfo("p").Uuid.ToString("D"), File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public void ConcurrentDefines_OfOneDirectory_LetExactlyOneWin()
    {
        var results = new Exception?[16];
        Parallel.For(0, results.Length, i =>
        {
            results[i] = Record.Exception(() => _driver.DefinePool(_fx.DirPool("p" + i, _fx.PoolPath("shared"))));
        });
        Assert.Single(results, r => r is null);
        Assert.Single(_driver.ListPools());
    }

    private static string Fs(string device) =>
        $"<pool type='fs'><name>OLD</name><source><device path='{device}'/></source><target><path>DATA/OLD</path></target></pool>";

    private static string Logical(string vg, string device) =>
        $"<pool type='logical'><name>OLD</name><source><name>{vg}</name><device path='{device}'/></source></pool>";

    private static string Disk(string device) =>
        $"<pool type='disk'><name>OLD</name><source><device path='{device}'/></source><target><path>/dev</path></target></pool>";

    private static string NetFs(string host, int port, string dir) =>
        $"<pool type='netfs'><name>OLD</name><source><host name='{host}'{(port > 0 ? $" port='{port}'" : "")}/>" +
        $"<dir path='{dir}'/></source><target><path>DATA/OLD</path></target></pool>";

    private static string Iscsi(string iqn, string? initiator) =>
        $"<pool type='iscsi'><name>OLD</name><source><host name='h'/><device path='{iqn}'/>" +
        (initiator is null ? "" : $"<initiator><iqn name='{initiator}'/></initiator>") +
        "</source><target><path>/dev/disk/by-path</path></target></pool>";

    private static string Scsi(string host) =>
        $"<pool type='scsi'><name>OLD</name><source><adapter type='scsi_host' name='{host}'/></source>" +
        "<target><path>/dev/disk/by-path</path></target></pool>";

    private static string Rbd(string name) =>
        $"<pool type='rbd'><name>OLD</name><source><host name='ceph'/><name>{name}</name></source></pool>";
}
