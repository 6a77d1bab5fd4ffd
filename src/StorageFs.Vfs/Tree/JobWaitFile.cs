using System.Text;
using StorageFs.Core;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>jobs/ID/wait</c>: reading it waits for the job to end, then reads <c>done</c>; a failed or
/// cancelled job fails the read with the job's errno, so <c>cat jobs/ID/wait</c> exits non-zero.
/// The wait holds no thread: the read is parked and answered by the job's completion; an
/// interrupt (Ctrl-C, kill) answers EINTR at once and drops the continuation.
/// </summary>
internal sealed class JobWaitFile(StorageJob job, ErrorLog errors, string path) : Node, INodeOpen
{
    private static readonly byte[] Done = Encoding.UTF8.GetBytes("done\n");

    private Task Completion => job.Completion;

    private Errno Refuse(RequestContext ctx, string op, Errno errno, string message)
    {
        errors.Add(ctx, op, path, errno, message);
        return errno;
    }

    public override TimeSpan? AttrTimeout => TimeSpan.Zero;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Modes.Reg | Modes.ReadOnly);

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        handle = null;
        if ((flags & 3) != 0)
            return Refuse(ctx, "open", Errno.EACCES, "read-only file: nothing is applied by writing it");
        handle = new Handle(this) { OpenFlags = OpenReplyFlags.DirectIo };
        return Errno.Ok;
    }

    /// <summary>The answer once the job has ended: <c>done</c>, or the job's errno.</summary>
    private Errno Outcome()
    {
        if (job.Error is not { } error)
            return Errno.Ok;
        // Not EINTR for a cancelled job: cat retries reads that fail with EINTR, forever.
        return error.Code == ErrorCode.OperationAborted ? Errno.ECANCELED : ErrnoMap.From(error);
    }

    private static int Slice(long offset, Span<byte> buffer)
    {
        if (offset >= Done.Length)
            return 0;
        int n = (int)Math.Min(buffer.Length, Done.Length - offset);
        Done.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }

    private sealed class Handle(JobWaitFile file) : FileHandle
    {
        public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
        {
            bytesRead = 0;
            Task completion = file.Completion;
            if (!completion.IsCompleted)
            {
                if (!ctx.CanPark)
                {
                    // Outside a mount (tests): nothing to park on, wait here.
                    try
                    {
                        completion.Wait(ctx.Cancellation);
                    }
                    catch (OperationCanceledException)
                    {
                        return Errno.EINTR;
                    }
                }
                else
                {
                    Errno err = ctx.Park(out ParkedRequest? parked);
                    if (err != Errno.Ok)
                        return file.Refuse(ctx, "read", err, ParkRefusal.Message(ctx));
                    completion.WaitAsync(parked!.Abandoned).ContinueWith(
                        static (t, state) => Answer(t, state!),
                        (file, parked, offset),
                        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    return Errno.Ok;
                }
            }
            Errno outcome = file.Outcome();
            if (outcome == Errno.Ok)
                bytesRead = Slice(offset, buffer);
            return outcome;
        }

        private static void Answer(Task waited, object state)
        {
            var (file, parked, offset) = ((JobWaitFile, ParkedRequest, long))state;
            if (waited.IsCanceled)
                return; // interrupted: the engine already answered EINTR
            Errno outcome = file.Outcome();
            if (outcome != Errno.Ok)
            {
                parked.Reply(outcome);
                return;
            }
            Span<byte> text = stackalloc byte[Done.Length];
            parked.Reply(text[..Slice(offset, text)]);
        }
    }
}
