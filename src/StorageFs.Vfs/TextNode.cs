using System.Text;
using StorageFs.Core;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs;

/// <summary>
/// A synthetic text file: <c>info</c>, <c>xml</c>, <c>ctl</c>, <c>define</c>… Reading returns a
/// snapshot rendered once per open (sysfs show() semantics). Writing applies a command or a
/// document inside the write(2) that completes it and returns the result as the write's errno;
/// the reply (<c>ok …</c> or <c>ERRNONAME: message</c>) is then what this handle reads, and a
/// failure is also kept in the <see cref="ErrorLog"/>. Files use direct I/O and size 0, so every
/// read reaches us and <c>cat</c> reads to the end.
/// </summary>
public abstract class TextNode : Node, INodeOpen, INodeSetAttr
{
    public const int MaxCommand = 4096;
    private const int O_ACCMODE = 3, O_WRONLY = 1;

    /// <summary>What this kind of file does (shared by every file of the kind).</summary>
    protected abstract TextFileSpec Spec { get; }

    /// <summary>What the file is about, handed to the spec's delegates (null for a file of its own).</summary>
    protected abstract object? Subject { get; }

    /// <summary>
    /// What a fresh handle of a file without a renderer reads before any write: a command
    /// file's verbs, one per line; null reads nothing (documents).
    /// </summary>
    public string? Usage => Spec.Usage;

    /// <summary>Path below the mount, for error records (e.g. <c>pools/p1/ctl</c>).</summary>
    public string Path => Spec.PathOf(Subject);

    public uint Mode => Modes.Reg | Spec.Mode;

    /// <summary>Whether reading renders text (info, xml) rather than a usage or nothing.</summary>
    public bool Renders => Spec.Render is not null;

    /// <summary>Whether writing applies a command or document.</summary>
    public bool Applies => Spec.Apply is not null;

    public WriteKind Kind => Spec.Kind;

    public ErrorLog? Errors => Spec.Errors;

    /// <summary>Only root may write unless the spec says otherwise (the daemon re-checks the caller's uid).</summary>
    public Func<uint, bool> MayWrite => Spec.MayWrite;

    /// <summary>Why a uid may not read this file (null: it may); checked at open, for root too.</summary>
    public Func<uint, string?>? ReadRefusal => Spec.ReadRefusal;

    /// <summary>The text a fresh read returns.</summary>
    public string RenderText(RequestContext ctx) => Spec.Render!(ctx, Subject);

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.Zero;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) =>
        Attr.Fill(ref attr, Mode, blksize: Kind == WriteKind.Document ? 1u << 20 : 4096u);

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        handle = null;
        bool writing = (flags & O_ACCMODE) != 0;
        if (writing && !Applies)
            return Refuse(ctx, "open", Errno.EACCES, "read-only file: nothing is applied by writing it");
        if (writing && !MayWrite(ctx.Uid))
            return Refuse(ctx, "open", Errno.EACCES, "only root may write this file");
        if ((flags & O_ACCMODE) != O_WRONLY && ReadRefusal?.Invoke(ctx.Uid) is { } refusal)
            return Refuse(ctx, "open", Errno.EACCES, refusal);
        handle = new TextFileHandle(this) { OpenFlags = OpenReplyFlags.DirectIo };
        return Errno.Ok;
    }

    /// <summary>Truncation (a shell's <c>&gt;</c> without atomic O_TRUNC) is accepted and means nothing.</summary>
    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr)
    {
        if ((request.Valid & ~(SetattrValid.Size | SetattrValid.Fh | SetattrValid.LockOwner)) != 0)
            return Refuse(ctx, "setattr", Errno.EPERM, "the modes, owners and times of the tree's files are fixed");
        if (request.Has(SetattrValid.Size) && request.Size != 0)
            return Refuse(ctx, "truncate", Errno.EPERM, "only a truncation to 0 (a shell's >) is accepted, and it changes nothing");
        return GetAttr(ctx, ref attr);
    }

    private Errno Refuse(RequestContext ctx, string op, Errno errno, string message)
    {
        Errors?.Add(ctx, op, Path, errno, message);
        return errno;
    }

    /// <summary>Runs <see cref="Apply"/>, turning a refusal into its errno and a recorded message.</summary>
    internal Errno Run(RequestContext ctx, string input, out string reply)
    {
        try
        {
            reply = Spec.Apply!(ctx, Subject, input);
            if (reply.Length > 0 && !reply.EndsWith('\n'))
                reply += "\n";
            return Errno.Ok;
        }
        catch (StorageException e)
        {
            return Fail(ctx, ErrnoMap.From(e), e.Message, out reply);
        }
    }

    internal Errno Fail(RequestContext ctx, Errno errno, string message, out string reply) =>
        Fail(ctx.Uid, ctx.Pid, errno, message, out reply);

    internal Errno Fail(uint uid, uint pid, Errno errno, string message, out string reply)
    {
        reply = (Errors?.Add(uid, pid, "write", Path, errno, message) ?? $"{errno}: {ErrorLog.Escape(message)}") + "\n";
        return errno;
    }

    private sealed class TextFileHandle(TextNode file) : FileHandle
    {
        private readonly Lock _gate = new();
        private readonly DocumentBuffer _document = new();
        private byte[]? _snapshot;
        private byte[]? _reply;
        private int _replyRead;
        private long _documentBase;
        private bool _documentDone;
        private uint _writerUid;
        private uint _writerPid;

        public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
        {
            bytesRead = 0;
            byte[] content;
            lock (_gate)
            {
                if (_reply is null && _snapshot is null)
                {
                    if (!file.Renders && file.Usage is null)
                        return Errno.Ok;
                    try
                    {
                        _snapshot = Encoding.UTF8.GetBytes(file.Renders ? file.RenderText(ctx) : file.Usage!);
                    }
                    catch (StorageException e)
                    {
                        return ErrnoMap.From(e);
                    }
                }
                if (_reply is not null)
                {
                    // The write moved the descriptor's offset past the reply: a reply is read
                    // from its own cursor (Plan 9 / simple_transaction style), once.
                    bytesRead = Math.Min(buffer.Length, _reply.Length - _replyRead);
                    _reply.AsSpan(_replyRead, bytesRead).CopyTo(buffer);
                    _replyRead += bytesRead;
                    return Errno.Ok;
                }
                content = _snapshot!;
            }
            if (offset < content.Length)
            {
                bytesRead = (int)Math.Min(buffer.Length, content.Length - offset);
                content.AsSpan((int)offset, bytesRead).CopyTo(buffer);
            }
            return Errno.Ok;
        }

        public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
        {
            bytesWritten = 0;
            lock (_gate)
            {
                Errno err = file.Kind == WriteKind.Document ? Document(ctx, offset, data) : Command(ctx, data);
                if (err == Errno.Ok)
                    bytesWritten = data.Length;
                return err;
            }
        }

        private Errno Command(RequestContext ctx, ReadOnlySpan<byte> data)
        {
            string reply;
            Errno err;
            if (data.Length > MaxCommand)
                err = file.Fail(ctx, Errno.EINVAL, $"command longer than {MaxCommand} bytes", out reply);
            else if (!DocumentBuffer.TryDecode(data, out string text))
                err = file.Fail(ctx, Errno.EINVAL, "command is not valid UTF-8", out reply);
            else
            {
                text = text.Trim();
                if ((file.Kind == WriteKind.Value || !text.Contains('\n', StringComparison.Ordinal)) && text.Length > 0)
                    return Apply(ctx, text);
                err = text.Length == 0
                    ? file.Fail(ctx, Errno.EINVAL, "empty command", out reply)
                    : file.Fail(ctx, Errno.EINVAL, "one command per write: got several lines", out reply);
            }
            SetReply(reply);
            return err;
        }

        /// <summary>
        /// Applies a command or a completed document. Through the mount the write is parked and
        /// applied on a thread of its own, so no reader thread waits for a long command (a pool
        /// start that mounts, a job the writer waits for); the write is answered when the apply
        /// ends. A signal the writer catches (a shell's SIGCHLD) changes nothing; a writer that
        /// is killed (Ctrl-C, kill) gets EINTR at once: a job it waits for is then cancelled, other
        /// commands run to their end, and their outcome shows in events and errors.
        /// Called with the handle's lock held.
        /// </summary>
        private Errno Apply(RequestContext ctx, string input)
        {
            string reply;
            Errno err;
            if (!ctx.CanPark)
            {
                err = file.Run(ctx, input, out reply); // outside a mount (tests): inline
                SetReply(reply);
                return err;
            }
            err = ctx.Park(out ParkedRequest? parked, ParkInterrupts.FatalOnly);
            if (err != Errno.Ok)
            {
                err = file.Fail(ctx, err, ParkRefusal.Message(ctx), out reply);
                SetReply(reply);
                return err;
            }
            var work = parked!.Context;
            try
            {
                StartApply(parked, work, input);
            }
            catch (Exception e) when (e is OutOfMemoryException || e.InnerException is OutOfMemoryException)
            {
                // No thread to apply on: with the descriptor table full the runtime cannot start
                // one (Thread.Start throws OutOfMemoryException, which the task scheduler wraps). That caller gets EMFILE; the
                // mount goes on.
                err = file.Fail(work, Errno.EMFILE, "cannot start the command: the daemon's descriptor table is full", out reply);
                SetReply(reply);
                parked.Reply(err);
            }
            return Errno.Ok;
        }

        private void StartApply(ParkedRequest parked, RequestContext work, string input)
        {
            Task.Factory.StartNew(() =>
            {
                string late;
                Errno result;
                try
                {
                    result = file.Run(work, input, out late);
                }
                catch (Exception e)
                {
                    Errno errno = ExceptionErrno.Of(e);
                    result = file.Fail(work, errno, errno == Errno.EIO ? $"internal error: {e.GetType().Name}: {e.Message}" : e.Message, out late);
                }
                lock (_gate)
                    SetReply(late);
                parked.Reply(result);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        private Errno Document(RequestContext ctx, long offset, ReadOnlySpan<byte> data)
        {
            string reply;
            Errno err;
            _writerUid = ctx.Uid;
            _writerPid = ctx.Pid;
            if (_documentDone)
            {
                if (data.Trim((byte)' ').Trim("\n\t\r"u8).IsEmpty)
                    return Errno.Ok;
                err = file.Fail(ctx, Errno.EINVAL, "one document per open: text after the document", out reply);
                SetReply(reply);
                return err;
            }
            err = _document.Append(offset - _documentBase, data);
            if (err == Errno.EINVAL && _document.Length == 0)
            {
                _documentBase = offset; // the first write may come at any offset (O_APPEND, a reused fd)
                err = _document.Append(0, data);
            }
            if (err != Errno.Ok)
            {
                string why = err == Errno.EFBIG ? $"document larger than {DocumentBuffer.MaxBytes} bytes" : "writes must be sequential";
                err = file.Fail(ctx, err, why, out reply);
                _document.Clear();
                SetReply(reply);
                return err;
            }
            if (!_document.IsComplete)
                return Errno.Ok;
            if (!_document.TryGetText(out string text))
            {
                _document.Clear();
                _documentDone = true;
                err = file.Fail(ctx, Errno.EINVAL, "document is not valid UTF-8", out reply);
                SetReply(reply);
                return err;
            }
            _document.Clear();
            _documentDone = true;
            return Apply(ctx, text);
        }

        private void SetReply(string reply)
        {
            _reply = Encoding.UTF8.GetBytes(reply);
            _replyRead = 0;
        }

        // FLUSH comes at every close(2) of every duplicate of the descriptor (bash closes one
        // after each `>&3`), so it cannot mean "the document is over". Only RELEASE does, and
        // nobody sees its errors: an unfinished document is recorded in errors then, under the
        // uid and pid of its last writer (RELEASE itself comes from no process in particular).
        public override void Release()
        {
            lock (_gate)
            {
                if (file.Kind == WriteKind.Document && !_documentDone && _document.Text.Trim().Length > 0)
                    file.Fail(_writerUid, _writerPid, Errno.EINVAL, "unfinished document: the root element was never closed", out _);
            }
        }
    }
}
