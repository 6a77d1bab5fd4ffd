using System.Runtime.InteropServices;
using System.Text;
using StorageFs.Core;
using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs;
using StorageFs.Interop;

namespace StorageFs.Vfs.Tests;

public sealed class TextFileTests
{
    private static readonly RequestContext Root = RequestContext.Detached(0);
    private static readonly RequestContext User = RequestContext.Detached(1000, 1000);

    private static FileHandle Open(TextFile f, int flags, RequestContext? ctx = null)
    {
        Assert.Equal(Errno.Ok, f.Open(ctx ?? Root, flags, out var h));
        return h!;
    }

    private static Errno Write(FileHandle h, string text, long offset = 0) =>
        h.Write(Root, offset, Encoding.UTF8.GetBytes(text), out _);

    private static string ReadAll(FileHandle h, RequestContext? ctx = null)
    {
        var buf = new byte[65536];
        Assert.Equal(Errno.Ok, h.Read(ctx ?? Root, 0, buf, out int n));
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    [Fact]
    public void Command_IsAppliedInTheWrite_AndItsReplyIsReadBackOnTheSameHandle()
    {
        var applied = new List<string>();
        var f = new TextFile("pools/p1/ctl", Modes.WriteOnly, apply: (_, cmd) => { applied.Add(cmd); return "ok started pool p1"; });
        var h = Open(f, 2);
        Assert.Equal(Errno.Ok, Write(h, "start\n"));
        Assert.Equal(["start"], applied);
        Assert.Equal("ok started pool p1\n", ReadAll(h));
    }

    [Fact]
    public void Command_ThroughTheMount_IsParked_AppliedOnAnotherThread_AndAnsweredOnceWhenItEnds()
    {
        using var release = new ManualResetEventSlim();
        int applyThread = 0;
        var f = new TextFile("pools/p1/ctl", Modes.WriteOnly, apply: (_, _) =>
        {
            applyThread = Environment.CurrentManagedThreadId;
            release.Wait(TimeSpan.FromSeconds(10));
            return "ok started pool p1";
        });
        var sink = new RecordingSink();
        var ctx = RequestContext.Parkable(sink);
        var h = Open(f, 2, ctx);
        var data = Encoding.UTF8.GetBytes("start\n");
        Assert.Equal(Errno.Ok, h.Write(ctx.Next(40, Opcode.Write, (uint)data.Length), 0, data, out _));
        Assert.Empty(sink.Replies); // the writer waits; the reader thread does not
        release.Set();
        Assert.True(SpinWait.SpinUntil(() => sink.Replies.Count > 0, TimeSpan.FromSeconds(10)));
        var reply = Assert.Single(sink.Replies);
        Assert.Equal((40UL, 0), (reply.Unique, reply.Error));
        Assert.Equal((uint)data.Length, MemoryMarshal.Read<uint>(reply.Body)); // fuse_write_out.size
        Assert.NotEqual(Environment.CurrentManagedThreadId, applyThread);
        Assert.Equal("ok started pool p1\n", ReadAll(h));
    }

    /// <summary>The pid of a process that has exited: to the engine, a caller that is gone (dying).</summary>
    private static uint DeadPid()
    {
        using var p = System.Diagnostics.Process.Start("true");
        p.WaitForExit();
        return (uint)p.Id;
    }

    [Fact]
    public void AParkedCommand_WhoseWriterIsKilled_AnswersEINTRAtOnce_AndItsLateEndWritesNoSecondReply()
    {
        using var release = new ManualResetEventSlim();
        using var ended = new ManualResetEventSlim();
        var f = new TextFile("pools/p1/ctl", Modes.WriteOnly, apply: (ctx, _) =>
        {
            bool interrupted = ctx.Cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(10));
            release.Wait(TimeSpan.FromSeconds(10));
            ended.Set();
            return interrupted ? "ok cancelled" : "ok";
        });
        var sink = new RecordingSink();
        var ctx = RequestContext.Parkable(sink, pid: DeadPid());
        var h = Open(f, 2, ctx);
        Assert.Equal(Errno.Ok, h.Write(ctx.Next(50, Opcode.Write, 5), 0, "build"u8, out _));
        Assert.True(ctx.SimulateInterrupt(50));
        var reply = Assert.Single(sink.Replies);
        Assert.Equal((50UL, -(int)Errno.EINTR), (reply.Unique, reply.Error));
        release.Set();
        Assert.True(ended.Wait(TimeSpan.FromSeconds(10)));
        Thread.Sleep(100);
        Assert.Single(sink.Replies);
    }

    [Fact]
    public void AParkedCommand_WhoseWriterOnlyCaughtASignal_RunsOn_AndIsAnsweredOnceWithItsResult()
    {
        using var release = new ManualResetEventSlim();
        var f = new TextFile("pools/p1/ctl", Modes.WriteOnly, apply: (_, _) =>
        {
            release.Wait(TimeSpan.FromSeconds(10));
            return "ok started pool p1";
        });
        var sink = new RecordingSink();
        var ctx = RequestContext.Parkable(sink, pid: (uint)Environment.ProcessId); // alive, no SIGKILL pending
        var h = Open(f, 2, ctx);
        Assert.Equal(Errno.Ok, h.Write(ctx.Next(60, Opcode.Write, 5), 0, "start"u8, out _));
        Assert.True(ctx.SimulateInterrupt(60)); // e.g. the shell's SIGCHLD
        Assert.Empty(sink.Replies);
        release.Set();
        Assert.True(SpinWait.SpinUntil(() => sink.Replies.Count > 0, TimeSpan.FromSeconds(10)));
        Thread.Sleep(300); // the caller watch must not add an EINTR
        var reply = Assert.Single(sink.Replies);
        Assert.Equal((60UL, 0), (reply.Unique, reply.Error));
    }

    [Fact]
    public void RefusedCommand_FailsWithItsErrno_IsReadBack_AndLandsInTheErrorLog()
    {
        var log = new ErrorLog();
        var f = new TextFile("pools/p1/ctl", Modes.WriteOnly, errors: log,
            apply: (_, _) => throw new StorageException(ErrorCode.OperationInvalid, "storage pool 'p1' is already active"));
        var h = Open(f, 2);
        Assert.Equal(Errno.EBUSY, Write(h, "start"));
        Assert.Equal("EBUSY: storage pool 'p1' is already active\n", ReadAll(h));
        string errors = log.Render(0);
        Assert.Contains("op=write path=pools/p1/ctl errno=EBUSY msg=EBUSY: storage pool 'p1' is already active", errors);
        Assert.Equal("", log.Render(1000)); // another uid does not see root's failures
    }

    [Theory]
    [InlineData("start\nstop")]
    [InlineData("   \n")]
    public void SeveralLinesOrNothing_IsEINVAL_AndNothingIsApplied(string text)
    {
        int calls = 0;
        var f = new TextFile("ctl", Modes.WriteOnly, apply: (_, _) => { calls++; return "ok"; });
        Assert.Equal(Errno.EINVAL, Write(Open(f, 1), text));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void CommandOverFourKiB_IsEINVAL()
    {
        var f = new TextFile("ctl", Modes.WriteOnly, apply: (_, _) => "ok");
        Assert.Equal(Errno.EINVAL, Write(Open(f, 1), new string('x', TextFile.MaxCommand + 1)));
    }

    [Fact]
    public void NonRootWriter_IsRefusedAtOpen_ButMayRead()
    {
        var f = new TextFile("xml", Modes.ReadWrite, render: _ => "<pool/>", apply: (_, _) => "ok", kind: WriteKind.Document);
        Assert.Equal(Errno.EACCES, f.Open(User, 1, out _));
        Assert.Equal("<pool/>", ReadAll(Open(f, 0, User), User));
    }

    [Fact]
    public void ReadOnlyFile_CannotBeOpenedForWriting_EvenByRoot()
    {
        var f = new TextFile("info", Modes.ReadOnly, render: _ => "Name: p1\n");
        Assert.Equal(Errno.EACCES, f.Open(Root, 1, out _));
    }

    [Fact]
    public void Render_IsASnapshotPerOpen()
    {
        int version = 1;
        var f = new TextFile("info", Modes.ReadOnly, render: _ => $"v{version}\n");
        var h = Open(f, 0);
        Assert.Equal("v1\n", ReadAll(h));
        version = 2;
        Assert.Equal("v1\n", ReadAll(h));
        Assert.Equal("v2\n", ReadAll(Open(f, 0)));
    }

    [Fact]
    public void Document_InTwoWritesLikeBash_IsAppliedOnceByTheSecondWrite()
    {
        var docs = new List<string>();
        var f = new TextFile("define", Modes.WriteOnly, apply: (_, d) => { docs.Add(d); return "ok defined pool p"; }, kind: WriteKind.Document);
        string doc = "<pool type='dir'><name>p</name><!--" + new string('x', 20_000) + "--><target><path>/srv/p</path></target></pool>\n";
        var h = Open(f, 1);
        Assert.Equal(Errno.Ok, Write(h, doc[..16384]));
        Assert.Empty(docs);
        Assert.Equal(Errno.Ok, Write(h, doc[16384..], 16384));
        Assert.Equal([doc], docs);
        Assert.Equal(Errno.Ok, Write(h, "\n", doc.Length)); // trailing whitespace is harmless
        Assert.Equal(Errno.EINVAL, Write(h, "<pool/>", doc.Length + 1)); // one document per open
        Assert.Single(docs);
    }

    [Fact]
    public void Document_NeverFinished_SurvivesFlushesOfDuplicates_AndIsLoggedAtRelease()
    {
        var log = new ErrorLog();
        var docs = new List<string>();
        var f = new TextFile("define", Modes.WriteOnly, errors: log, apply: (_, d) => { docs.Add(d); return "ok"; }, kind: WriteKind.Document);
        var h = Open(f, 1);
        Assert.Equal(Errno.Ok, Write(h, "<pool type='dir'><name>p</name>"));
        Assert.Equal(Errno.Ok, h.Flush(Root)); // bash closes a duplicate after each >&3
        Assert.Equal("", log.Render(0));
        h.Release();
        Assert.Empty(docs);
        Assert.Contains("unfinished document", log.Render(0));
    }

    [Fact]
    public void TheReply_IsReadFromItsOwnCursor_NotTheDescriptorsOffset()
    {
        var f = new TextFile("define", Modes.WriteOnly, apply: (_, _) => "ok defined pool p", kind: WriteKind.Document);
        var h = Open(f, 2);
        string doc = "<pool type='dir'><name>p</name><target><path>/srv/p</path></target></pool>\n";
        Assert.Equal(Errno.Ok, Write(h, doc));
        var buf = new byte[100];
        Assert.Equal(Errno.Ok, h.Read(Root, doc.Length, buf, out int n)); // offset after the write
        Assert.Equal("ok defined pool p\n", Encoding.UTF8.GetString(buf, 0, n));
        Assert.Equal(Errno.Ok, h.Read(Root, doc.Length + n, buf, out n));
        Assert.Equal(0, n); // then end of file
    }

    [Fact]
    public void Document_OverOneMiB_IsEFBIG()
    {
        var f = new TextFile("define", Modes.WriteOnly, apply: (_, _) => "ok", kind: WriteKind.Document);
        var h = Open(f, 1);
        Assert.Equal(Errno.EFBIG, Write(h, "<pool>" + new string('x', DocumentBuffer.MaxBytes)));
    }

    [Fact]
    public void ErrorLog_EscapesControlCharacters_AndRootSeesEveryUid()
    {
        var log = new ErrorLog();
        Assert.Equal("EINVAL: line1\\nline2\\x07", log.Add(User, "write", "define", Errno.EINVAL, "line1\nline2\a"));
        log.Add(Root, "mkdir", "pools/x", Errno.EPERM, "no");
        Assert.Single(log.Render(1000).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, log.Render(0).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void AFreshHandle_OfACommandFile_ReadsItsUsage_AndOfADocumentFileNothing()
    {
        var ctl = new TextFile("pools/p1/ctl", Modes.WriteOnly, apply: (_, _) => "ok started pool p1", usage: "start\nstop\n");
        var define = new TextFile("define", Modes.WriteOnly, apply: (_, _) => "ok", kind: WriteKind.Document);

        Assert.Equal("start\nstop\n", ReadAll(Open(ctl, 0)));
        var rw = Open(ctl, 2);
        Assert.Equal("start\nstop\n", ReadAll(rw));
        Assert.Equal(Errno.Ok, Write(rw, "start"));
        Assert.Equal("ok started pool p1\n", ReadAll(rw));
        Assert.Equal("", ReadAll(Open(define, 0)));
        Assert.Equal("", ReadAll(Open(define, 2)));
    }

    [Fact]
    public void AnUnfinishedDocument_IsRecordedUnderItsWritersUid()
    {
        var log = new ErrorLog();
        var f = new TextFile("define", Modes.WriteOnly, errors: log, apply: (_, _) => "ok", kind: WriteKind.Document) { MayWrite = _ => true };
        var h = Open(f, 1, User);
        Assert.Equal(Errno.Ok, h.Write(User, 0, "<pool type='dir'>"u8, out _));
        h.Release();
        Assert.Contains("uid=1000 pid=0 op=write path=define errno=EINVAL msg=EINVAL: unfinished document", log.Render(1000));
    }

    [Fact]
    public void FilesSharingASpec_RenderAndApplyForTheirOwnSubject_AndRecordTheirOwnPath()
    {
        var log = new ErrorLog();
        var applied = new List<string>();
        var spec = new TextFileSpec(Modes.ReadWrite,
            (_, subject) => $"volume {subject}\n",
            (_, subject, input) => input == "bad"
                ? throw new StorageException(ErrorCode.InvalidArg, $"bad command for {subject}")
                : $"ok {input} {subject}",
            WriteKind.Command, log, null, subject => $"pools/p/vol/{subject}/ctl");
        var a = new TextFile(spec, "a.img");
        var b = new TextFile(spec, "b.img") { MayWrite = _ => true };

        Assert.Equal("volume a.img\n", ReadAll(Open(a, 0)));
        Assert.Equal("volume b.img\n", ReadAll(Open(b, 0)));
        var hb = Open(b, 2, User);
        Assert.Equal(Errno.Ok, Write(hb, "wipe"));
        Assert.Equal("ok wipe b.img\n", ReadAll(hb));
        Assert.Equal(Errno.EINVAL, Write(Open(a, 2), "bad"));
        Assert.Contains("op=write path=pools/p/vol/a.img/ctl errno=EINVAL msg=EINVAL: bad command for a.img", log.Render(0));
        // One file's write rule is its own: the spec, shared, keeps root-only writes for a.
        Assert.Equal(Errno.EACCES, a.Open(User, 1, out _));
        Assert.Equal("pools/p/vol/b.img/ctl", b.Path);
    }

    [Theory]
    [InlineData(SetattrValid.Mode, 0UL, "setattr")]
    [InlineData(SetattrValid.Size, 5UL, "truncate")]
    public void ChangingAttributesOfATextFile_IsEPERM_AndRecorded(SetattrValid what, ulong size, string op)
    {
        var log = new ErrorLog();
        var f = new TextFile("pools/p1/info", Modes.ReadOnly, render: _ => "x", errors: log);
        var attr = default(FuseAttr);
        Assert.Equal(Errno.EPERM, f.SetAttr(Root, new SetattrRequest(what, size, 0x1FF, 0, 0, default, default), null, ref attr));
        Assert.Contains($"op={op} path=pools/p1/info errno=EPERM msg=EPERM: ", log.Render(0));
    }

    /// <summary>Invalid UTF-8 was silently turned into U+FFFD (in names, too).</summary>
    [Fact]
    public void InvalidUtf8_CommandOrDocument_IsEINVAL_AndNothingIsApplied()
    {
        var applied = new List<string>();
        var log = new ErrorLog();
        var ctl = new TextFile("pools/p1/ctl", Modes.WriteOnly, errors: log, apply: (_, c) => { applied.Add(c); return "ok"; });
        var h = Open(ctl, 2);
        Assert.Equal(Errno.EINVAL, h.Write(Root, 0, [.. "delete p"u8, 0xFF, 0xFE], out _));
        Assert.Equal("EINVAL: command is not valid UTF-8\n", ReadAll(h));

        var define = new TextFile("define", Modes.WriteOnly, errors: log, apply: (_, d) => { applied.Add(d); return "ok"; }, kind: WriteKind.Document);
        var d = Open(define, 2);
        Assert.Equal(Errno.EINVAL, d.Write(Root, 0, [.. "<pool type='dir'><name>a"u8, 0xC3, 0x28, .. "</name></pool>"u8], out _));
        Assert.Equal("EINVAL: document is not valid UTF-8\n", ReadAll(d));

        Assert.Empty(applied);
        Assert.Contains("errno=EINVAL msg=EINVAL: document is not valid UTF-8", log.Render(0), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidUtf8_IsAppliedAsWritten()
    {
        var applied = new List<string>();
        var ctl = new TextFile("pools/p1/ctl", Modes.WriteOnly, apply: (_, c) => { applied.Add(c); return "ok"; });
        Assert.Equal(Errno.Ok, Write(Open(ctl, 2), "delete pøøl"));
        Assert.Equal(["delete pøøl"], applied);
    }
}
