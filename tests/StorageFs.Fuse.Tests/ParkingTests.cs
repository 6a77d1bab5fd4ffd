using System.Diagnostics;

namespace StorageFs.Fuse.Tests;

/// <summary>Parked requests on raw bytes: no reply from the reader, exactly one late reply by unique, EINTR on INTERRUPT.</summary>
public sealed class ParkingTests
{
    /// <summary>A file whose reads and writes park and wait for the test to answer.</summary>
    private sealed class ParkingFile : Node, INodeOpen
    {
        public List<ParkedRequest> Parked { get; } = [];

        public Errno ParkResult { get; private set; }

        public ParkInterrupts Mode { get; set; }

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
        {
            attr.Mode = 0x8000 | 0x1B6;
            attr.Nlink = 1;
            return Errno.Ok;
        }

        public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
        {
            handle = new Handle(this);
            return Errno.Ok;
        }

        private sealed class Handle(ParkingFile file) : FileHandle
        {
            public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
            {
                bytesRead = 0;
                return Park(ctx);
            }

            public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
            {
                bytesWritten = 0;
                return Park(ctx);
            }

            private Errno Park(RequestContext ctx)
            {
                Errno err = ctx.Park(out var p, file.Mode);
                file.ParkResult = err;
                if (p is not null)
                {
                    lock (file.Parked)
                        file.Parked.Add(p);
                }
                return err;
            }
        }
    }

    private static ulong UniqueOf(byte[] request) => MemoryMarshal.Read<Wire.FuseInHeader>(request).Unique;

    private static (Harness H, ParkingFile File, ulong Node, ulong Fh) Setup(FuseServerOptions? options = null)
    {
        var h = new Harness(options);
        var file = new ParkingFile();
        h.Root.Children["wait"] = file;
        ulong id = h.Lookup(1, "wait").NodeId;
        return (h, file, id, h.Open(id));
    }

    [Fact]
    public void AParkedRead_GetsNoReplyFromTheReader_ThenExactlyOneLateReply_CutToTheSizeAsked()
    {
        var (h, file, id, fh) = Setup();
        byte[] read = Req.Read(id, fh, 0, 4);
        ulong unique = UniqueOf(read);
        Assert.Null(h.TrySend(read)); // parked: the reader writes nothing
        var p = Assert.Single(file.Parked);
        Assert.Equal(unique, p.Unique);
        Assert.Equal(1, h.Dispatcher.Parking.Count);

        // Answered later, from another thread.
        Assert.True(Task.Run(() => p.Reply("0123456789"u8)).Result);
        var reply = Assert.Single(h.Late.All);
        Assert.Equal(unique, reply.Header.Unique);
        Assert.Equal(0, reply.Error);
        Assert.Equal("0123"u8.ToArray(), reply.Body.ToArray()); // no more than READ asked for
        Assert.Equal(20u, reply.Header.Len);

        // Completing again, or interrupting after, writes nothing.
        Assert.False(p.Reply(Errno.EIO));
        Assert.False(p.Reply("x"u8));
        Assert.Null(h.TrySend(Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = unique }))));
        Assert.Single(h.Late.All);
        Assert.Equal(0, h.Dispatcher.Parking.Count);
    }

    [Fact]
    public void AParkedWrite_AnsweredOk_ReportsEveryByteWritten()
    {
        var (h, file, id, fh) = Setup();
        byte[] body = Req.Cat(Req.Bytes(new Wire.FuseWriteIn { Fh = fh, Size = 5 }), "start"u8.ToArray());
        byte[] write = Req.Make(Opcode.Write, id, body);
        ulong unique = UniqueOf(write);
        Assert.Null(h.TrySend(write));
        Assert.True(Assert.Single(file.Parked).Reply(Errno.Ok));
        var reply = Assert.Single(h.Late.All);
        Assert.Equal((unique, 0), (reply.Header.Unique, reply.Error));
        Assert.Equal(5u, reply.As<Wire.FuseWriteOut>().Size);
    }

    [Fact]
    public void InterruptOfAParkedRequest_AnswersEINTRAtOnce_CancelsWhatItHeld_AndTheLateAnswerIsDropped()
    {
        var (h, file, id, fh) = Setup();
        byte[] read = Req.Read(id, fh, 0, 4);
        ulong unique = UniqueOf(read);
        Assert.Null(h.TrySend(read));
        var p = Assert.Single(file.Parked);
        bool released = false;
        p.Abandoned.Register(() => released = true);

        Assert.Null(h.TrySend(Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = unique }))));
        var reply = Assert.Single(h.Late.All);
        Assert.Equal((unique, -(int)Errno.EINTR), (reply.Header.Unique, reply.Error));
        Assert.True(released);
        Assert.True(p.IsDone);
        Assert.False(p.Reply("late"u8));
        Assert.Single(h.Late.All);
        Assert.Equal(0, h.Dispatcher.Parking.Count);
    }

    [Fact]
    public void AnInterruptThatOvertakesItsRequest_AnswersEINTRTheMomentItParks()
    {
        var (h, file, id, fh) = Setup();
        const ulong unique = 900_002;
        Assert.Null(h.TrySend(Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = unique }))));
        Assert.Null(h.TrySend(Req.Make(Opcode.Read, id, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Size = 4 }), unique)));
        var reply = Assert.Single(h.Late.All);
        Assert.Equal((unique, -(int)Errno.EINTR), (reply.Header.Unique, reply.Error));
        Assert.True(Assert.Single(file.Parked).IsDone);
    }

    [Fact]
    public void AnswerAndInterruptRacing_StillWriteExactlyOneReplyEachTime()
    {
        var (h, file, id, fh) = Setup();
        for (int i = 0; i < 500; i++)
        {
            byte[] read = Req.Read(id, fh, 0, 4);
            ulong unique = UniqueOf(read);
            Assert.Null(h.TrySend(read));
            ParkedRequest p;
            lock (file.Parked)
                p = file.Parked[^1];
            byte[] interrupt = Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = unique }));
            var ctx = h.Dispatcher.CreateContext(h.Late);
            var a = Task.Run(() => p.Reply("data"u8));
            var b = Task.Run(() => h.Dispatcher.Dispatch(interrupt, new byte[h.Dispatcher.ReplyBufferSize], ctx));
            Task.WaitAll(a, b);
            Assert.Single(h.Late.All, r => r.Header.Unique == unique);
        }
        Assert.Equal(0, h.Dispatcher.Parking.Count);
    }

    [Fact]
    public void ParkedRequestsOfOneUid_AreCapped_WithEAGAINForThatUidAlone()
    {
        var (h, file, id, fh) = Setup(new FuseServerOptions { MaxParkedPerUid = 3 });
        for (int i = 0; i < 3; i++)
            Assert.Null(h.TrySend(Req.Read(id, fh, 0, 4)));
        Assert.Equal(-(int)Errno.EAGAIN, h.Send(Req.Read(id, fh, 0, 4)).Error);
        Assert.Equal(Errno.EAGAIN, file.ParkResult);
        // Another uid is not affected.
        Assert.Null(h.TrySend(Req.Make(Opcode.Read, id, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Size = 4 }), uid: 0)));
        Assert.Equal(4, h.Dispatcher.Parking.Count);
        // Answering one frees a place.
        file.Parked[0].Reply(Errno.Ok);
        Assert.Null(h.TrySend(Req.Read(id, fh, 0, 4)));
    }

    [Fact]
    public void AHandlerThatParksAndThenFails_AnswersTheParkedRequestWithItsErrno_Once()
    {
        var h = new Harness();
        var f = new TestFile([1])
        {
            OnRead = ctx =>
            {
                Assert.Equal(Errno.Ok, ctx.Park(out _));
                return Errno.EIO;
            },
        };
        h.Root.Children["f"] = f;
        ulong id = h.Lookup(1, "f").NodeId;
        ulong fh = h.Open(id);
        byte[] read = Req.Read(id, fh, 0, 1);
        Assert.Null(h.TrySend(read));
        var reply = Assert.Single(h.Late.All);
        Assert.Equal((UniqueOf(read), -(int)Errno.EIO), (reply.Header.Unique, reply.Error));
        Assert.Equal(0, h.Dispatcher.Parking.Count);
    }

    [Fact]
    public void AFatalOnlyPark_IgnoresTheInterruptOfALiveCaller_ButAnswersEINTRSoonAfterTheCallerDies()
    {
        var (h, file, id, fh) = Setup();
        file.Mode = ParkInterrupts.FatalOnly;
        using var caller = Process.Start("sleep", "30");
        byte[] write = Req.Make(Opcode.Write, id, Req.Cat(Req.Bytes(new Wire.FuseWriteIn { Fh = fh, Size = 4 }), "stop"u8.ToArray()), pid: (uint)caller.Id);
        ulong unique = UniqueOf(write);
        Assert.Null(h.TrySend(write));
        Assert.Null(h.TrySend(Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = unique }))));
        Thread.Sleep(500);
        Assert.Empty(h.Late.All); // a caught signal: the command runs on

        caller.Kill();
        caller.WaitForExit();
        Assert.True(SpinWait.SpinUntil(() => h.Late.All.Count > 0, TimeSpan.FromSeconds(3)));
        var reply = Assert.Single(h.Late.All);
        Assert.Equal((unique, -(int)Errno.EINTR), (reply.Header.Unique, reply.Error));
        Assert.False(file.Parked[0].Reply(Errno.Ok));
        Assert.Single(h.Late.All);
    }

    [Fact]
    public void Unmount_AbandonsParkedRequests_WithoutReplies_AndReleasesWhatTheyHeld()
    {
        var (h, file, id, fh) = Setup();
        Assert.Null(h.TrySend(Req.Read(id, fh, 0, 4)));
        bool released = false;
        file.Parked[0].Abandoned.Register(() => released = true);
        h.Dispatcher.Parking.AbandonAll();
        Assert.True(released);
        Assert.Empty(h.Late.All);
        Assert.False(file.Parked[0].Reply(Errno.Ok));
    }
}
