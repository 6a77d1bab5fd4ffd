using Microsoft.Win32.SafeHandles;
using Serilog;
using StorageFs.Fuse.Nodes;
using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Session;

/// <summary>
/// One reader's /dev/fuse descriptor, as the place its parked requests are answered. The
/// descriptor is reference-counted (SafeHandle): the reader drops its reference when it stops,
/// and the descriptor is closed only when no late reply is being written to it, so a reply can
/// never land on a reused descriptor number. After that, late replies are dropped (the
/// connection is gone and the kernel forgot the request).
/// </summary>
internal sealed unsafe class DeviceReplies(SafeFileHandle fd, ILogger log) : IParkedReplySink
{
    public SafeFileHandle Handle { get; } = fd;

    public void Send(ulong unique, int error, ReadOnlySpan<byte> body)
    {
        // As for inline replies (Dispatcher): no EIO is expected, so each is logged.
        if (error == -(int)Errno.EIO)
            log.Warning("Parked request unique={Unique} answered EIO", unique);
        bool added = false;
        try
        {
            Handle.DangerousAddRef(ref added);
            var header = new Wire.FuseOutHeader { Len = (uint)(Dispatcher.OutHeaderSize + body.Length), Error = error, Unique = unique };
            fixed (byte* b = body)
            {
                Libc.IoVec* iov = stackalloc Libc.IoVec[2];
                iov[0] = new Libc.IoVec { Base = &header, Len = (nuint)Dispatcher.OutHeaderSize };
                iov[1] = new Libc.IoVec { Base = b, Len = (nuint)body.Length };
                nint n = Libc.Writev((int)Handle.DangerousGetHandle(), iov, body.IsEmpty ? 1 : 2);
                // ENOENT: the kernel no longer waits for this unique (interrupted and gone).
                if (n < 0 && Libc.LastErrno is not ((int)Errno.ENOENT or (int)Errno.ENODEV))
                    log.Warning("Writing a late FUSE reply for {Unique} failed: {Error}", unique, Libc.Strerror(Libc.LastErrno));
            }
        }
        catch (ObjectDisposedException)
        {
            // The reader stopped and its descriptor is closed: the connection is gone.
        }
        finally
        {
            if (added)
                Handle.DangerousRelease();
        }
    }
}
