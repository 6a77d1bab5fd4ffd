namespace StorageFs.Fuse.Tests;

public sealed class InterruptTests
{
    [Fact]
    public void Interrupt_CancelsTheRunningRequest_WhichAnswersEINTR_AndTheInterruptGetsNoReply()
    {
        var h = new Harness();
        using var started = new ManualResetEventSlim();
        var file = new TestFile([1, 2, 3])
        {
            OnRead = ctx =>
            {
                started.Set();
                return ctx.Cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(10)) ? Errno.EINTR : Errno.Ok;
            },
        };
        h.Root.Children["slow"] = file;
        ulong id = h.Lookup(1, "slow").NodeId;
        ulong fh = h.Open(id);

        byte[] read = Req.Read(id, fh, 0, 3);
        ulong readUnique = Req.LastUnique;
        var reader = Task.Run(() =>
        {
            var buf = new byte[h.Dispatcher.ReplyBufferSize];
            int n = h.Dispatcher.Dispatch(read, buf, h.Dispatcher.CreateContext());
            return MemoryMarshal.Read<Wire.FuseOutHeader>(buf.AsSpan(0, n));
        });
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        var interrupt = Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = readUnique }));
        Assert.Null(h.TrySend(interrupt));
        Assert.True(reader.Wait(TimeSpan.FromSeconds(5)));
        Assert.Equal(-(int)Errno.EINTR, reader.Result.Error);
        Assert.Equal(readUnique, reader.Result.Unique);
    }

    [Fact]
    public void Interrupt_ThatOvertakesItsRequest_StillCancelsIt()
    {
        var h = new Harness();
        var file = new TestFile([1])
        {
            OnRead = ctx => ctx.Cancellation.IsCancellationRequested ? Errno.EINTR : Errno.Ok,
        };
        h.Root.Children["f"] = file;
        ulong id = h.Lookup(1, "f").NodeId;
        ulong fh = h.Open(id);
        const ulong unique = 777_777;
        Assert.Null(h.TrySend(Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = unique }))));
        Assert.Equal(-(int)Errno.EINTR, h.Send(Req.Make(Opcode.Read, id, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Size = 1 }), unique)).Error);
        // The context is reused by the next request and must not stay cancelled.
        Assert.Equal(0, h.Send(Req.Read(id, fh, 0, 1)).Error);
    }
}
