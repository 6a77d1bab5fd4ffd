using System.Text;
using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs;
using StorageFs.Interop;

namespace StorageFs.Vfs.Tests;

public sealed class EventsTests
{
    private static readonly RequestContext Ctx = RequestContext.Detached();

    private static string Read(FileHandle h, long offset, out Errno err)
    {
        var buf = new byte[65536];
        err = h.Read(Ctx, offset, buf, out int n);
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    [Fact]
    public void AReaderSeesOnlyRecordsPublishedAfterItOpened_NumberedAndKeyed()
    {
        var log = new EventLog();
        log.Publish("defined", "pools/old");
        Assert.Equal(Errno.Ok, new EventsFile(log).Open(Ctx, 0x800, out var h));
        log.Publish("started", "pools/p1");
        log.Publish("volume-created", "pools/p1/volumes/v1", ("size", "1073741824"));
        string text = Read(h!, 0, out var err);
        Assert.Equal(Errno.Ok, err);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^2 time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z event=started object=pools/p1$", lines[0]);
        Assert.EndsWith("event=volume-created object=pools/p1/volumes/v1 size=1073741824", lines[1]);
        Read(h!, text.Length, out err);
        Assert.Equal(Errno.EAGAIN, err); // O_NONBLOCK and nothing new
    }

    [Fact]
    public void ABlockingRead_IsParked_AndAnsweredOnceByTheNextRecord()
    {
        var log = new EventLog();
        var sink = new RecordingSink();
        var ctx = RequestContext.Parkable(sink);
        Assert.Equal(Errno.Ok, new EventsFile(log).Open(ctx, 0, out var h));
        var buf = new byte[65536];
        Assert.Equal(Errno.Ok, h!.Read(ctx.Next(100, Opcode.Read, 4096), 0, buf, out int n));
        Assert.Equal(0, n);
        Assert.Empty(sink.Replies); // the handler returned without an answer: parked
        Assert.Equal(1, log.Waiting);

        log.Publish("stopped", "pools/p1");
        var reply = Assert.Single(sink.Replies);
        Assert.Equal(100UL, reply.Unique);
        Assert.Equal(0, reply.Error);
        Assert.Contains("event=stopped object=pools/p1", Encoding.UTF8.GetString(reply.Body));
        Assert.Equal(0, log.Waiting);
        log.Publish("started", "pools/p1");
        Assert.Single(sink.Replies); // exactly one reply
    }

    [Fact]
    public void AnInterruptedParkedRead_GetsEINTRAtOnce_AndLeavesNoWaiter_AndLosesNoRecord()
    {
        var log = new EventLog();
        var sink = new RecordingSink();
        var ctx = RequestContext.Parkable(sink);
        Assert.Equal(Errno.Ok, new EventsFile(log).Open(ctx, 0, out var h));
        var buf = new byte[4096];
        Assert.Equal(Errno.Ok, h!.Read(ctx.Next(200, Opcode.Read, 4096), 0, buf, out _));
        Assert.True(ctx.SimulateInterrupt(200));
        var reply = Assert.Single(sink.Replies);
        Assert.Equal((200UL, -(int)Errno.EINTR), (reply.Unique, reply.Error));
        Assert.Equal(0, log.Waiting);

        log.Publish("defined", "pools/p2");
        Assert.Single(sink.Replies);
        // The record is still there for the next read on the same descriptor.
        Assert.Equal(Errno.Ok, h.Read(ctx.Next(202, Opcode.Read, 4096), 0, buf, out int n));
        Assert.Contains("object=pools/p2", Encoding.UTF8.GetString(buf, 0, n));
    }

    [Fact]
    public void ParkedReadsBeyondTheLimitOfAUid_FailWithEAGAIN_AndARecordInErrors()
    {
        var log = new EventLog();
        var errors = new ErrorLog();
        var sink = new RecordingSink();
        var ctx = RequestContext.Parkable(sink, uid: 65534, gid: 65534, maxParkedPerUid: 2);
        var file = new EventsFile(log, errors);
        var buf = new byte[4096];
        for (ulong u = 10; u < 14; u += 2)
        {
            Assert.Equal(Errno.Ok, file.Open(ctx, 0, out var ok));
            Assert.Equal(Errno.Ok, ok!.Read(ctx.Next(u, Opcode.Read, 4096), 0, buf, out _));
        }
        Assert.Equal(Errno.Ok, file.Open(ctx, 0, out var third));
        Assert.Equal(Errno.EAGAIN, third!.Read(ctx.Next(14, Opcode.Read, 4096), 0, buf, out _));
        Assert.Contains("EAGAIN", errors.Render(65534));
        Assert.Contains("too many requests waiting for uid 65534", errors.Render(65534));
        Assert.Equal(2, log.Waiting);
    }

    [Fact]
    public void AReaderThatFallsBehindTheRing_IsToldHowManyRecordsItLost()
    {
        var log = new EventLog(capacity: 3);
        long cursor = log.Next;
        for (int i = 0; i < 5; i++)
            log.Publish("refreshed", $"pools/p{i}");
        string text = log.Read(ref cursor);
        Assert.StartsWith("2 event=lost count=2\n3 ", text);
        Assert.Equal(4, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void RewindingToOffsetZero_ReplaysTheRetainedHistory()
    {
        var log = new EventLog();
        Assert.Equal(Errno.Ok, new EventsFile(log).Open(Ctx, 0x800, out var h));
        log.Publish("defined", "pools/a");
        string first = Read(h!, 0, out _);
        log.Publish("defined", "pools/b");
        string replay = Read(h!, 0, out _);
        Assert.Contains("pools/a", replay);
        Assert.Contains("pools/b", replay);
        Assert.DoesNotContain("pools/b", first);
    }
}
