using StorageFs.Fuse.Session;

namespace StorageFs.Fuse.Tests;

/// <summary>The limits on open handles: per uid, all users but root, everyone.</summary>
public sealed class HandleLimitTests
{
    private static Reply Open(Harness h, ulong node, uint uid) =>
        h.Send(Req.Make(Opcode.Open, node, Req.Bytes(new Wire.FuseOpenIn { Flags = 0 }), uid: uid, gid: uid));

    private static Reply Opendir(Harness h, ulong node, uint uid) =>
        h.Send(Req.Make(Opcode.Opendir, node, Req.Bytes(new Wire.FuseOpenIn { Flags = 0 }), uid: uid, gid: uid));

    private static void Release(Harness h, ulong node, ulong fh, Opcode op = Opcode.Release) =>
        Assert.Equal(0, h.Send(Req.Make(op, node, Req.Bytes(new Wire.FuseReleaseIn { Fh = fh }), uid: 0, gid: 0)).Error);

    [Fact]
    public void AUserAtItsLimit_GetsEMFILE_ForFilesAndDirectories_WhileRootAndOthersStillOpen_AndTheRefusalIsReported()
    {
        var refused = new List<(uint Uid, HandleRefusal Refusal)>();
        var h = new Harness(new FuseServerOptions
        {
            MaxHandlesPerUid = 3,
            HandleRefused = (ctx, r) => refused.Add((ctx.Uid, r)),
        });
        h.Root.Children["f"] = new TestFile([1]);
        ulong id = h.Lookup(1, "f").NodeId;

        ulong[] fhs = [Open(h, id, 1000).As<Wire.FuseOpenOut>().Fh, Open(h, id, 1000).As<Wire.FuseOpenOut>().Fh];
        Assert.Equal(0, Opendir(h, 1, 1000).Error);
        Assert.Equal(-(int)Errno.EMFILE, Open(h, id, 1000).Error);
        Assert.Equal(-(int)Errno.EMFILE, Opendir(h, 1, 1000).Error);
        Assert.Equal(0, Open(h, id, 1001).Error);
        Assert.Equal(0, Open(h, id, 0).Error);
        Assert.Equal(3, h.Dispatcher.HandlesHeldBy(1000));

        Assert.Equal(2, refused.Count);
        Assert.All(refused, r => Assert.Equal(1000u, r.Uid));
        Assert.Equal(("open", Errno.EMFILE, 3, 3), (refused[0].Refusal.Op, refused[0].Refusal.Errno, refused[0].Refusal.Held, refused[0].Refusal.Limit));
        Assert.Equal("opendir", refused[1].Refusal.Op);
        Assert.Contains("maxOpenPerUser 3", refused[0].Refusal.Message, StringComparison.Ordinal);

        // RELEASE comes from whoever closes last (here uid 0): the handle goes back to its opener.
        Release(h, id, fhs[0]);
        Assert.Equal(2, h.Dispatcher.HandlesHeldBy(1000));
        Assert.Equal(0, Open(h, id, 1000).Error);
    }

    [Fact]
    public void TheSharedLimits_AnswerENFILE_RootCountsOnlyAgainstTheTotal()
    {
        var h = new Harness(new FuseServerOptions { MaxHandlesPerUid = 10, MaxHandlesOthers = 2, MaxHandles = 4 });
        h.Root.Children["f"] = new TestFile([1]);
        ulong id = h.Lookup(1, "f").NodeId;
        Assert.Equal(0, Open(h, id, 1000).Error);
        Assert.Equal(0, Open(h, id, 1001).Error);
        Assert.Equal(-(int)Errno.ENFILE, Open(h, id, 1002).Error);
        Assert.Equal(0, Open(h, id, 0).Error);
        Assert.Equal(0, Open(h, id, 0).Error);
        Assert.Equal(-(int)Errno.ENFILE, Open(h, id, 0).Error);
    }

    [Fact]
    public void AFailedOpen_GivesItsHandleBack()
    {
        var h = new Harness(new FuseServerOptions { MaxHandlesPerUid = 1 });
        h.Root.Children["f"] = new TestFile([1]) { OpenError = Errno.EACCES };
        ulong id = h.Lookup(1, "f").NodeId;
        Assert.Equal(-(int)Errno.EACCES, Open(h, id, 1000).Error);
        Assert.Equal(-(int)Errno.EACCES, Open(h, id, 1000).Error);
        Assert.Equal(0, h.Dispatcher.HandlesHeldBy(1000));
    }

    [Fact]
    public void AnOpenThatThrows_GivesItsHandleBack()
    {
        var h = new Harness(new FuseServerOptions { MaxHandlesPerUid = 1 });
        h.Root.Children["f"] = new TestFile([1]) { OnOpen = () => throw new InvalidOperationException("boom") };
        ulong id = h.Lookup(1, "f").NodeId;
        Assert.Equal(-(int)Errno.EIO, Open(h, id, 1000).Error);
        Assert.Equal(0, h.Dispatcher.HandlesHeldBy(1000));
    }

    [Fact]
    public void ReleasedirGivesTheHandleBack()
    {
        var h = new Harness(new FuseServerOptions { MaxHandlesPerUid = 1 });
        ulong fh = Opendir(h, 1, 1000).As<Wire.FuseOpenOut>().Fh;
        Assert.Equal(-(int)Errno.EMFILE, Opendir(h, 1, 1000).Error);
        Release(h, 1, fh, Opcode.Releasedir);
        Assert.Equal(0, Opendir(h, 1, 1000).Error);
    }

    [Theory]
    [InlineData(20000UL, null, 1093, 4375, 8750, 2500)]
    [InlineData(524288UL, null, 28672, 114688, 229376, 65536)]
    [InlineData(1024UL, null, 48, 192, 384, 256)]
    [InlineData(20000UL, 300, 300, 4375, 8750, 2500)]
    [InlineData(20000UL, 6000, 6000, 6000, 8750, 2500)]
    [InlineData(20000UL, 100000, 100000, 8750, 8750, 2500)]
    public void TheBudget_KeepsAnEighthOfTheTableAndHalfOfTheRestForRoot(ulong soft, int? perUser, int perUid, int others, int total, int reserve) =>
        Assert.Equal(new HandleBudget(perUid, others, total, reserve), DescriptorLimit.Budget(soft, perUser));
}
