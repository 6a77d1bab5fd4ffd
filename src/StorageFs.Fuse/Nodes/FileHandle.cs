namespace StorageFs.Fuse.Nodes;

/// <summary>
/// An open file, created by <see cref="INodeOpen"/> or <see cref="INodeCreate"/>. The engine
/// keeps it under a file handle number until RELEASE. Every operation defaults to the answer a
/// file without it should give; override what the file supports. Methods may run concurrently
/// on several reader threads.
/// </summary>
public abstract class FileHandle
{
    /// <summary>FOPEN_* flags for the OPEN reply (direct_io, keep_cache, nonseekable…).</summary>
    public OpenReplyFlags OpenFlags { get; set; }

    /// <summary>
    /// A host file descriptor whose data this handle serves. When the kernel offers FUSE
    /// passthrough the engine registers it and the kernel reads and writes it directly;
    /// otherwise the handle serves I/O itself. Open it O_RDWR when writes may come: all opens
    /// of one node share the first open's backing file.
    /// </summary>
    public virtual SafeHandle? Backing => null;

    /// <summary>
    /// Whether <see cref="Backing"/> may be registered for passthrough. False for a descriptor
    /// the kernel refuses as a backing file: it takes regular files only (fs/fuse/backing.c
    /// <c>fuse_backing_open</c>: "read/write/splice/mmap passthrough only relevant for regular
    /// files", EINVAL for a block device on 6.18), so asking would cost an ioctl per open.
    /// </summary>
    public virtual bool OffersPassthrough => Backing is not null;

    /// <summary>
    /// Where locks taken through this handle live. <see cref="FileLocks.Host"/> needs
    /// <see cref="Backing"/>; such a handle always gets FLUSH (no FOPEN_NOFLUSH), because FLUSH
    /// with its lock owner is how the kernel says a process closed the file and lost its POSIX locks.
    /// </summary>
    public virtual FileLocks Locks => FileLocks.Local;

    public virtual Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        return Errno.EINVAL;
    }

    public virtual Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
    {
        bytesWritten = 0;
        return Errno.EBADF;
    }

    /// <summary>FLUSH, sent on every close(2) of a descriptor; its error reaches close's caller.</summary>
    public virtual Errno Flush(RequestContext ctx) => Errno.Ok;

    public virtual Errno Fsync(RequestContext ctx, bool dataOnly) => Errno.Ok;

    /// <summary>RELEASE: the last descriptor is gone. Nobody sees errors from here.</summary>
    public virtual void Release()
    {
    }

    public virtual Errno Fallocate(RequestContext ctx, int mode, long offset, long length) => Errno.EOPNOTSUPP;

    /// <summary>LSEEK for SEEK_DATA/SEEK_HOLE (whence 3/4). ENOSYS lets the kernel use its generic lseek.</summary>
    public virtual Errno Lseek(RequestContext ctx, long offset, int whence, out long result)
    {
        result = 0;
        return Errno.ENOSYS;
    }

    /// <summary>COPY_FILE_RANGE into <paramref name="destination"/>. EOPNOTSUPP makes the kernel copy by read/write.</summary>
    public virtual Errno CopyFileRange(RequestContext ctx, long offsetIn, FileHandle destination, long offsetOut, long length, out long copied)
    {
        copied = 0;
        return Errno.EOPNOTSUPP;
    }

    /// <summary>
    /// POLL: report ready events now. When <paramref name="waiter"/> is given and nothing is
    /// ready, keep it and call <see cref="PollWaiter.Wake"/> once something becomes ready.
    /// Default: always readable and writable.
    /// </summary>
    public virtual Errno Poll(RequestContext ctx, PollWaiter? waiter, uint events, out uint revents)
    {
        revents = events & (PollEvents.In | PollEvents.Out);
        return Errno.Ok;
    }
}
