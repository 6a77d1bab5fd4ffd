using System.Text;
using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs;

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
    public void ABlockingReadWaitsForTheNextRecord_AndAnInterruptEndsItWithEINTR()
    {
        var log = new EventLog();
        Assert.Equal(Errno.Ok, new EventsFile(log).Open(Ctx, 0, out var h));
        var reader = Task.Run(() => Read(h!, 0, out _));
        Thread.Sleep(100);
        Assert.False(reader.IsCompleted);
        log.Publish("stopped", "pools/p1");
        Assert.True(reader.Wait(TimeSpan.FromSeconds(5)));
        Assert.Contains("event=stopped", reader.Result);

        using var cts = new CancellationTokenSource();
        long cursor = log.Next;
        var blocked = Task.Run(() => log.Read(ref cursor, wait: true, cts.Token));
        Thread.Sleep(100);
        cts.Cancel();
        Assert.True(blocked.Wait(TimeSpan.FromSeconds(5)));
        Assert.Null(blocked.Result);
    }

    [Fact]
    public void AReaderThatFallsBehindTheRing_IsToldHowManyRecordsItLost()
    {
        var log = new EventLog(capacity: 3);
        long cursor = log.Next;
        for (int i = 0; i < 5; i++)
            log.Publish("refreshed", $"pools/p{i}");
        string text = log.Read(ref cursor, wait: false, CancellationToken.None)!;
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
