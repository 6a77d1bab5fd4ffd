namespace StorageFs.Fuse.Tests;

public sealed class InitTests
{
    [Fact]
    public void Init_FromA745Kernel_AgreesOn745_WithOneMiBWritesAndPassthrough()
    {
        var h = new Harness(init: false);
        var r = h.Send(Req.Init());
        Assert.Equal(0, r.Error);
        Assert.Equal(64, r.Body.Length);
        var o = r.As<Wire.FuseInitOut>();
        Assert.Equal(7u, o.Major);
        Assert.Equal(45u, o.Minor);
        Assert.Equal(1u << 20, o.MaxWrite);
        Assert.Equal(256, o.MaxPages);
        Assert.Equal(131072u, o.MaxReadahead);
        var flags = (InitFlags)(o.Flags | ((ulong)o.Flags2 << 32));
        Assert.True(flags.HasFlag(InitFlags.Passthrough));
        Assert.True(flags.HasFlag(InitFlags.DoReaddirplus));
        Assert.True(flags.HasFlag(InitFlags.AtomicOTrunc));
        Assert.True(flags.HasFlag(InitFlags.MaxPages));
        Assert.True(flags.HasFlag(InitFlags.InitExt));
        Assert.False(flags.HasFlag(InitFlags.WritebackCache)); // the kernel refuses passthrough with it
        Assert.Equal(1u, o.MaxStackDepth);
        Assert.True(h.Dispatcher.PassthroughActive);
        Assert.Equal(45u, h.Dispatcher.ProtocolMinor);
    }

    [Fact]
    public void Init_OnlyEverAcceptsFlagsTheKernelOffered()
    {
        var h = new Harness(init: false);
        var offered = InitFlags.AsyncRead | InitFlags.BigWrites | InitFlags.MaxPages;
        var o = h.Send(Req.Init(flags: offered)).As<Wire.FuseInitOut>();
        Assert.Equal((uint)offered, o.Flags);
        Assert.Equal(0u, o.Flags2);
        Assert.Equal(0u, o.MaxStackDepth);
        Assert.False(h.Dispatcher.PassthroughActive);
    }

    [Fact]
    public void Init_WithPassthroughDisabled_DoesNotAskForIt()
    {
        var h = new Harness(new FuseServerOptions { EnablePassthrough = false }, init: false);
        var o = h.Send(Req.Init()).As<Wire.FuseInitOut>();
        Assert.Equal(0u, o.Flags2 & (uint)((ulong)InitFlags.Passthrough >> 32));
        Assert.Equal(0u, o.MaxStackDepth);
    }

    [Fact]
    public void Init_AsksForCachedSymlinksAndParallelDirops_UnlessSymlinkCachingIsOff()
    {
        var on = (InitFlags)new Harness(init: false).Send(Req.Init()).As<Wire.FuseInitOut>().Flags;
        Assert.True(on.HasFlag(InitFlags.CacheSymlinks));
        Assert.True(on.HasFlag(InitFlags.ParallelDirops));
        var off = (InitFlags)new Harness(new FuseServerOptions { CacheSymlinks = false }, init: false).Send(Req.Init()).As<Wire.FuseInitOut>().Flags;
        Assert.False(off.HasFlag(InitFlags.CacheSymlinks));
    }

    [Fact]
    public void Init_FromAKernelWithANewerMajor_AnswersOnlyOurMajor()
    {
        var h = new Harness(init: false);
        var r = h.Send(Req.Init(major: 8, minor: 1));
        Assert.Equal(0, r.Error);
        Assert.Equal(8, r.Body.Length);
        Assert.Equal(7u, MemoryMarshal.Read<uint>(r.Body));
        Assert.False(h.Dispatcher.Initialized);
    }

    [Theory]
    [InlineData(6u, 99u)]
    [InlineData(7u, 30u)]
    public void Init_FromAnOldKernel_FailsWithEPROTO(uint major, uint minor)
    {
        var h = new Harness(init: false);
        Assert.Equal(-(int)Errno.EPROTO, h.Send(Req.Init(major, minor)).Error);
        Assert.False(h.Dispatcher.Initialized);
    }

    [Fact]
    public void Init_From731Kernel_CompatSizedInitIn_IsAccepted()
    {
        var h = new Harness(init: false);
        byte[] full = Req.Init(7, 31, InitFlags.AsyncRead);
        // A 7.31 kernel sends the 16-byte fuse_init_in (no flags2).
        byte[] shortReq = full[..(40 + 16)];
        MemoryMarshal.Write(shortReq, (uint)shortReq.Length);
        var r = h.Send(shortReq);
        Assert.Equal(0, r.Error);
        Assert.Equal(31u, h.Dispatcher.ProtocolMinor);
    }

    [Fact]
    public void RequestsBeforeInit_FailWithEIO()
    {
        var h = new Harness(init: false);
        Assert.Equal(-(int)Errno.EIO, h.Send(Req.Make(Opcode.Getattr, 1, new byte[16])).Error);
    }
}
