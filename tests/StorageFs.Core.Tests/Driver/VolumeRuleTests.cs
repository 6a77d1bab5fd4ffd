using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>The driver's volume rules, before any backend runs (storage_driver.c):
/// existence, in-use and building marks, resize arithmetic, flags, capabilities.</summary>
public sealed class VolumeRuleTests : IDisposable
{
    private readonly DriverFixture _fx = new();
    private readonly StorageDriver _driver;

    public VolumeRuleTests()
    {
        _driver = _fx.NewDriver();
        _fx.Running(_driver, "p");
    }

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void ListingVersion_ChangesWithWhatAListingShows_AndOnlyThen()
    {
        long Version() => _driver.ListVolumeTypes("p", 0, static (_, _, _) => { });
        long v0 = Version();
        Assert.Equal(v0, Version());
        _driver.RefreshPool("p");
        Assert.Equal(v0, Version()); // the same volumes read again
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        long v1 = Version();
        Assert.NotEqual(v0, v1);
        File.WriteAllBytes(Path.Combine(_fx.PoolPath("p"), "made-on-host"), []);
        _driver.RefreshPool("p");
        long v2 = Version();
        Assert.NotEqual(v1, v2);
        _driver.RefreshPool("p");
        Assert.Equal(v2, Version());
        _driver.DeleteVolume("p", "v");
        long v3 = Version();
        Assert.NotEqual(v2, v3);
        _driver.StopPool("p");
        _driver.StartPool("p");
        Assert.NotEqual(v3, Version()); // never back to an earlier number: the kernel may hold that listing
        Assert.NotEqual(v0, Version());

        var listed = new List<(string, VolumeType)>();
        _driver.ListVolumeTypes("p", listed, static (list, name, type) => list.Add((name, type)));
        Assert.Equal([("made-on-host", VolumeType.File)], listed);
    }

    [Fact]
    public void ListVolumeTypes_WithTheCurrentVersionKnown_HandsNothingOver_AndWithAnOlderOne_Everything()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("a"));
        var listed = new List<string>();
        long v1 = _driver.ListVolumeTypes("p", listed, static (list, name, _) => list.Add(name));
        Assert.Equal(["a"], listed);
        listed.Clear();
        Assert.Equal(v1, _driver.ListVolumeTypes("p", listed, static (list, name, _) => list.Add(name), known: v1));
        Assert.Empty(listed); // the caller's copy is still the listing

        _driver.CreateVolume("p", DriverFixture.Volume("b"));
        long v2 = _driver.ListVolumeTypes("p", listed, static (list, name, _) => list.Add(name), known: v1);
        Assert.NotEqual(v1, v2);
        Assert.Equal(["a", "b"], listed.Order());
        _driver.StopPool("p");
        Assert.Throws<StorageException>(() => _driver.ListVolumeTypes("p", listed, static (_, _, _) => { }, known: v2)); // inactive whatever is known
    }

    [Fact]
    public void ARefreshThatReadsTheSameVolumes_KeepsTheirListingOrder()
    {
        for (int i = 19; i >= 0; i--)
            _driver.CreateVolume("p", DriverFixture.Volume($"v{i:D2}"));
        List<string> Listing()
        {
            var names = new List<string>();
            _driver.ListVolumeTypes("p", names, static (list, name, _) => list.Add(name));
            return names;
        }
        var before = Listing();
        long version = _driver.ListVolumeTypes("p", 0, static (_, _, _) => { });
        _driver.RefreshPool("p");
        Assert.Equal(version, _driver.ListVolumeTypes("p", 0, static (_, _, _) => { }));
        Assert.Equal(before, Listing()); // same number, same order: offsets into it stay valid
    }

    [Fact]
    public void CreateVolume_ExistingName_FailsWithLibvirtsMessage()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        var e = Assert.Throws<StorageException>(() => _driver.CreateVolume("p", DriverFixture.Volume("v")));
        Assert.Equal("storage volume 'v' exists already", e.Message);
        Assert.Equal(ErrorCode.VolExists, e.Code);
    }

    [Fact]
    public void CreateVolume_UpdatesPoolNumbers_AndDeleteGivesThemBack()
    {
        var before = _driver.GetPoolInfo("p");
        _driver.CreateVolume("p", DriverFixture.Volume("v", 1 << 20));
        var after = _driver.GetPoolInfo("p");
        Assert.Equal(before.Allocation + (1 << 20), after.Allocation);
        Assert.Equal(before.Available - (1 << 20), after.Available);
        _driver.DeleteVolume("p", "v");
        Assert.Equal(before.Allocation, _driver.GetPoolInfo("p").Allocation);
    }

    [Theory]
    [InlineData("a/b", "invalid argument: volume name 'a/b' must not contain '/'")]
    [InlineData("..", "invalid argument: volume name '..' must not start with '.'")]
    [InlineData(".hidden", "invalid argument: volume name '.hidden' must not start with '.'")]
    public void CreateVolume_BadName_IsRefused_BeforeTheBackendRuns(string name, string message)
    {
        var e = Assert.Throws<StorageException>(() => _driver.CreateVolume("p", DriverFixture.Volume(name)));
        Assert.Equal(message, e.Message);
        Assert.Empty(Directory.GetFiles(_fx.PoolPath("p")));
        Assert.Empty(Directory.GetFiles(_fx.Data, "*", SearchOption.TopDirectoryOnly));
    }

    [Fact]
    public void CreateVolume_FormatTheBackendCannotCreate_IsRefused()
    {
        var xml = "<volume><name>v</name><capacity>1024</capacity><target><format type='vmdk'/></target></volume>";
        var e = Assert.Throws<StorageException>(() => _driver.CreateVolume("p", xml));
        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.Contains("'vmdk'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateVolume_ReflinkFlag_IsOnlyForClones()
    {
        var e = Assert.Throws<StorageException>(() =>
            _driver.CreateVolume("p", DriverFixture.Volume("v"), VolumeCreateFlags.Reflink));
        Assert.Equal("invalid argument: unsupported flags (0x2) in function storageVolCreateXML", e.Message);
    }

    [Fact]
    public void HasVolume_AnswersAsListVolumesDoes_AndRefusesAnInactivePool()
    {
        Assert.False(_driver.HasVolume("p", "v"));
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        Assert.True(_driver.HasVolume("p", "v"));
        Assert.False(_driver.HasVolume("p", "V"));
        _driver.DeleteVolume("p", "v");
        Assert.False(_driver.HasVolume("p", "v"));

        var missing = Assert.Throws<StorageException>(() => _driver.HasVolume("nope", "v"));
        Assert.Equal(ErrorCode.NoStoragePool, missing.Code);
        _driver.StopPool("p");
        var inactive = Assert.Throws<StorageException>(() => _driver.HasVolume("p", "v"));
        Assert.Equal(ErrorCode.OperationInvalid, inactive.Code);
        Assert.Equal(ErrorCode.OperationInvalid, Assert.Throws<StorageException>(() => _driver.ListVolumes("p")).Code);
    }

    [Fact]
    public void ListVolumeNames_NamesWhatListVolumesLists_AndRefusesAnInactivePool()
    {
        Assert.Empty(_driver.ListVolumeNames("p"));
        foreach (string n in new[] { "b", "A", "a", "c.qcow2" })
            _driver.CreateVolume("p", DriverFixture.Volume(n));
        _driver.DeleteVolume("p", "a");

        Assert.Equal(_driver.ListVolumes("p").Select(v => v.Name).Order(StringComparer.Ordinal),
            _driver.ListVolumeNames("p").Order(StringComparer.Ordinal));
        Assert.Equal(["A", "b", "c.qcow2"], _driver.ListVolumeNames("p").Order(StringComparer.Ordinal));
        _driver.StopPool("p");
        Assert.Equal(ErrorCode.OperationInvalid, Assert.Throws<StorageException>(() => _driver.ListVolumeNames("p")).Code);
    }

    [Fact]
    public void LookupVolume_ByNameKeyAndPath()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        var path = _driver.GetVolumePath("p", "v");
        Assert.Equal(Path.Combine(_fx.PoolPath("p"), "v"), path);
        Assert.Equal(path, _driver.GetVolumeKey("p", "v"));
        Assert.Equal("v", _driver.LookupVolumeByKey(path).Name);
        Assert.Equal("v", _driver.LookupVolumeByPath(_fx.PoolPath("p") + "//./v").Name);
        Assert.Equal("Storage volume not found: no storage vol with matching name 'w'",
            Assert.Throws<StorageException>(() => _driver.GetVolumeInfo("p", "w")).Message);
        Assert.Equal("Storage volume not found: no storage vol with matching key /x",
            Assert.Throws<StorageException>(() => _driver.LookupVolumeByKey("/x")).Message);
    }

    [Theory]
    [InlineData(2048UL, VolumeResizeFlags.None,
        "invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly specified")]
    [InlineData(2048UL, VolumeResizeFlags.Shrink, "invalid argument: can't shrink capacity below existing allocation")]
    [InlineData(2048UL, VolumeResizeFlags.Delta | VolumeResizeFlags.Shrink, "invalid argument: can't shrink capacity below existing allocation")]
    [InlineData(1UL << 50, VolumeResizeFlags.Allocate, "operation failed: Not enough space left in storage pool")]
    [InlineData(0UL, (VolumeResizeFlags)8, "invalid argument: unsupported flags (0x8) in function storageVolResize")]
    public void ResizeVolume_LibvirtRules(ulong capacity, VolumeResizeFlags flags, string message)
    {
        if (flags == VolumeResizeFlags.None)
        {
            // The shrink-flag rule applies to a volume whose allocation is below the new size.
            _driver.CreateVolume("p", DriverFixture.Volume("sparse", 4096));
            Assert.Equal(message, Assert.Throws<StorageException>(() => _driver.ResizeVolume("p", "sparse", capacity)).Message);
            Assert.Equal(1024UL, _driver.ResizeVolume("p", "sparse", 1024, VolumeResizeFlags.Shrink).Capacity);
            return;
        }
        _driver.CreateVolume("p", DriverFixture.Volume("v", 4096));
        var e = Assert.Throws<StorageException>(() => _driver.ResizeVolume("p", "v", capacity, flags));
        Assert.Equal(message, e.Message);
        Assert.Equal(4096UL, _driver.GetVolumeInfo("p", "v").Capacity);
    }

    // Found by tests/StorageFs.Fuzz (ctl target, "resize 9G allocate delta"): without an errno
    // the tree answered EIO. The message stays libvirt's; the errno says what it is.
    [Fact]
    public void ResizeVolume_AllocatingMoreThanThePoolHas_CarriesENOSPC()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v", 4096));
        var e = Assert.Throws<StorageException>(() => _driver.ResizeVolume("p", "v", 1UL << 50, VolumeResizeFlags.Allocate | VolumeResizeFlags.Delta));
        Assert.Equal("operation failed: Not enough space left in storage pool", e.Message);
        Assert.Equal(28, e.OsErrno); // ENOSPC
    }

    [Fact]
    public void ResizeVolume_Delta_AddsToTheCapacity()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v", 4096));
        Assert.Equal(6144UL, _driver.ResizeVolume("p", "v", 2048, VolumeResizeFlags.Delta).Capacity);
    }

    [Fact]
    public void WipeVolume_AlgorithmTheBackendLacks_IsRefused_AsLibvirtRefusesTrim()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        var e = Assert.Throws<StorageException>(() => _driver.WipeVolume("p", "v", WipeAlgorithm.Trim));
        Assert.Equal("argument unsupported: 'trim' algorithm not supported", e.Message);
        e = Assert.Throws<StorageException>(() => _driver.WipeVolume("p", "v", (WipeAlgorithm)42));
        Assert.Equal("invalid argument: wiping algorithm 42 not supported", e.Message);
        Assert.Equal(0, _driver.GetVolumeInfo("p", "v").InUse);
    }

    [Fact]
    public void VolumeInUse_RefusesDeleteResizeWriteAndWipe_ButNotReadsOrInfo()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        _fx.Dir.WipeGate.Reset();
        var job = _driver.StartWipeVolume("p", "v");
        Assert.True(_fx.Dir.WipeStarted.Wait(TimeSpan.FromSeconds(10)));

        const string inUse = "Requested operation is not valid: volume 'v' is still in use.";
        Assert.Equal(inUse, Assert.Throws<StorageException>(() => _driver.DeleteVolume("p", "v")).Message);
        Assert.Equal(inUse, Assert.Throws<StorageException>(() => _driver.ResizeVolume("p", "v", 1 << 20)).Message);
        Assert.Equal(inUse, Assert.Throws<StorageException>(() => _driver.WipeVolume("p", "v")).Message);
        Assert.Equal(inUse, Assert.Throws<StorageException>(() => _driver.OpenVolume("p", "v", VolumeAccessMode.Write)).Message);
        using (var read = _driver.OpenVolume("p", "v", VolumeAccessMode.Read).AsStream())
        {
            Assert.Equal(4096, read.Length);
        }
        Assert.Equal(1, _driver.GetVolumeInfo("p", "v").InUse);

        _fx.Dir.WipeGate.Set();
        job.Wait();
        Assert.Equal(0, _driver.GetVolumeInfo("p", "v").InUse);
        _driver.DeleteVolume("p", "v");
    }

    /// <summary>A clone copying a volume a wipe is writing got a broken image (EIO).</summary>
    [Fact]
    public void VolumeBeingWiped_CannotBeCloned_UntilTheWipeEnds()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        _fx.Dir.WipeGate.Reset();
        var job = _driver.StartWipeVolume("p", "v");
        Assert.True(_fx.Dir.WipeStarted.Wait(TimeSpan.FromSeconds(10)));

        var e = Assert.Throws<StorageException>(() => _driver.CloneVolume("p", DriverFixture.Volume("copy"), "p", "v"));
        Assert.Equal("Requested operation is not valid: volume 'v' is still in use.", e.Message);
        Assert.DoesNotContain(_driver.ListVolumeNames("p"), n => n == "copy");

        _fx.Dir.WipeGate.Set();
        job.Wait();
        _driver.CloneVolume("p", DriverFixture.Volume("copy"), "p", "v");
    }

    /// <summary>A clone of a volume a writer holds open copied, or failed on, a half-written
    /// image (qemu-img "Image is not in qcow2 format" as EIO under ten concurrent writers).</summary>
    [Fact]
    public void VolumeOpenForWriting_CannotBeCloned_ButOpenForReadingCan()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        var writer = _driver.OpenVolume("p", "v", VolumeAccessMode.Write);
        var e = Assert.Throws<StorageException>(() => _driver.CloneVolume("p", DriverFixture.Volume("copy"), "p", "v"));
        Assert.Equal("Requested operation is not valid: volume 'v' is open for writing: close it before cloning it.", e.Message);
        Assert.DoesNotContain(_driver.ListVolumeNames("p"), n => n == "copy");
        writer.Dispose();
        writer.Dispose();

        using (_driver.OpenVolume("p", "v", VolumeAccessMode.Read))
            _driver.CloneVolume("p", DriverFixture.Volume("copy"), "p", "v");
        Assert.Contains(_driver.ListVolumeNames("p"), n => n == "copy");
    }

    [Fact]
    public void OpensOfAVolume_NeverExcludeEachOther_ButHoldOffDeleteResizeAndWipe()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        const string inUse = "Requested operation is not valid: volume 'v' is still in use.";
        var first = _driver.OpenVolume("p", "v", VolumeAccessMode.Write);
        var second = _driver.OpenVolume("p", "v", VolumeAccessMode.Write);
        var reader = _driver.OpenVolume("p", "v", VolumeAccessMode.Read);
        Assert.Equal(3, _driver.GetVolumeInfo("p", "v").InUse);
        Assert.Equal(inUse, Assert.Throws<StorageException>(() => _driver.DeleteVolume("p", "v")).Message);
        Assert.Equal(inUse, Assert.Throws<StorageException>(() => _driver.ResizeVolume("p", "v", 1 << 20)).Message);
        Assert.Equal(inUse, Assert.Throws<StorageException>(() => _driver.WipeVolume("p", "v")).Message);

        // A writer that closes while another opens: the one left is never taken for a job.
        first.Dispose();
        using (_driver.OpenVolume("p", "v", VolumeAccessMode.Write))
        {
            Assert.Equal(3, _driver.GetVolumeInfo("p", "v").InUse);
        }
        second.Dispose();
        reader.Dispose();
        first.Dispose();
        Assert.Equal(0, _driver.GetVolumeInfo("p", "v").InUse);
        _driver.WipeVolume("p", "v");
        _driver.DeleteVolume("p", "v");
    }

    [Fact]
    public void OpenVolume_WhoseBackendFails_LeavesTheVolumeFree()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        File.Delete(_driver.GetVolumePath("p", "v"));
        Assert.Throws<FileNotFoundException>(() => _driver.OpenVolume("p", "v", VolumeAccessMode.Write));
        Assert.Equal(0, Assert.Single(_driver.ListVolumes("p")).InUse);
        _driver.StopPool("p");
    }

    [Fact]
    public void OpenVolumeForWrite_HoldsTheVolume_UntilDisposed_ThenReReadsIt()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        var events = new List<StorageEventKind>();
        _driver.Changed += (_, e) => events.Add(e.Kind);
        using (var s = _driver.OpenVolume("p", "v", VolumeAccessMode.Write).AsStream())
        {
            s.Write(new byte[8192]);
            Assert.Equal("Requested operation is not valid: volume 'v' is still in use.",
                Assert.Throws<StorageException>(() => _driver.DeleteVolume("p", "v")).Message);
            Assert.Contains("asynchronous jobs", Assert.Throws<StorageException>(() => _driver.StopPool("p")).Message,
                StringComparison.Ordinal);
        }
        Assert.Equal(8192UL, Assert.Single(_driver.ListVolumes("p")).Capacity);
        Assert.Equal([StorageEventKind.VolumeWritten], events);
        _driver.StopPool("p");
    }

    [Fact]
    public void CloneVolume_TakesTheSourceCapacity_WhenTheNewOneIsSmallerOrMissing()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("src", 8192));
        var clone = _driver.CloneVolume("p", "<volume><name>copy</name></volume>", "p", "src");
        Assert.Equal(8192UL, clone.Capacity);
        Assert.Equal("internal error: storage volume name 'copy' already in use.",
            Assert.Throws<StorageException>(() => _driver.CloneVolume("p", "<volume><name>copy</name></volume>", "p", "src")).Message);
        Assert.Equal("Storage volume not found: no storage vol with matching name 'nope'",
            Assert.Throws<StorageException>(() => _driver.CloneVolume("p", "<volume><name>c2</name></volume>", "p", "nope")).Message);
        Assert.Equal(["copy", "src"], _driver.ListVolumes("p").Select(v => v.Name));
    }

    [Fact]
    public void CloneVolume_AcrossPools_NeedsBothActive_AndACompatibleSourceType()
    {
        _fx.Running(_driver, "q");
        _driver.CreateVolume("q", DriverFixture.Volume("src", 8192));
        Assert.Equal(8192UL, _driver.CloneVolume("p", "<volume><name>c</name></volume>", "q", "src").Capacity);

        _driver.StopPool("q");
        Assert.Equal("Requested operation is not valid: storage pool 'q' is not active",
            Assert.Throws<StorageException>(() => _driver.CloneVolume("p", "<volume><name>d</name></volume>", "q", "src")).Message);
        Assert.DoesNotContain(_driver.ListVolumes("p"), v => v.Name == "d");

        var fs = $"<pool type='fs'><name>f</name><source><device path='/dev/loop9'/></source><target><path>{_fx.PoolPath("f")}</path></target></pool>";
        _driver.DefinePool(fs);
        _driver.StartPool("f");
        var e = Assert.Throws<StorageException>(() => _driver.CloneVolume("p", "<volume><name>e</name></volume>", "f", "v"));
        Assert.Equal(ErrorCode.NoSupport, e.Code);
        Assert.Equal(0, _driver.GetPoolInfo("p").AsyncJobs);
    }

    [Fact]
    public void CreateVolumeJob_ReportsProgress_AndTheVolumeIsListedAsBuildingMeanwhile()
    {
        var job = _driver.StartCreateVolume("p", DriverFixture.Volume("v"));
        job.Wait();
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(JobKind.VolumeCreate, job.Kind);
        Assert.Contains(_driver.Jobs.List(), j => j.Id == job.Id);
        Assert.False(_driver.GetVolumeInfo("p", "v").Building);
    }

    [Fact]
    public void WipeJob_Cancelled_EndsCancelled_AndReleasesTheVolume()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        _fx.Dir.WipeGate.Reset();
        var job = _driver.StartWipeVolume("p", "v");
        Assert.True(_fx.Dir.WipeStarted.Wait(TimeSpan.FromSeconds(10)));

        job.Cancel();
        var e = Assert.Throws<StorageException>(job.Wait);

        Assert.Equal(ErrorCode.OperationAborted, e.Code);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal(0, _driver.GetVolumeInfo("p", "v").InUse);
        Assert.Equal(0, _driver.GetPoolInfo("p").AsyncJobs);
        _driver.DeleteVolume("p", "v");
    }

    [Fact]
    public void VolumeInfo_PrintsVirshVolInfoLayout()
    {
        var info = _driver.CreateVolume("p", DriverFixture.Volume("v", 1 << 20));
        Assert.Equal("Name:           v\nType:           file\nCapacity:       1.00 MiB\nAllocation:     1.00 MiB\n\n",
            info.ToVirshText());
        Assert.Equal("Name:           v\nType:           file\nCapacity:       1048576 bytes\nAllocation:     1048576 bytes\n\n",
            info.ToVirshText(bytes: true));
    }

    [Fact]
    public void VolumeXml_IsLibvirtsFormat_WithKeyAndPath()
    {
        _driver.CreateVolume("p", DriverFixture.Volume("v"));
        var xml = _driver.GetVolumeXml("p", "v");
        Assert.StartsWith("<volume type='file'>\n  <name>v</name>\n  <key>" + _fx.PoolPath("p") + "/v</key>", xml, StringComparison.Ordinal);
        Assert.Contains("<format type='raw'/>", xml, StringComparison.Ordinal);
    }
}
