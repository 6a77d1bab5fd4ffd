using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Session;

/// <summary>The /dev/fuse descriptor of a mount, for notifications and passthrough ioctls.</summary>
internal sealed unsafe class DeviceChannel(int fd) : IFuseChannel
{
    public int Fd { get; } = fd;

    public Errno Send(ReadOnlySpan<byte> message)
    {
        fixed (byte* p = message)
        {
            nint n = Libc.Write(Fd, p, message.Length);
            return n < 0 ? (Errno)Libc.LastErrno : Errno.Ok;
        }
    }

    public Errno BackingOpen(int fd, out int backingId)
    {
        var map = new Wire.FuseBackingMap { Fd = fd };
        int id = Libc.Ioctl(Fd, Wire.DevIocBackingOpen, &map);
        backingId = id;
        return id < 0 ? (Errno)Libc.LastErrno : Errno.Ok;
    }

    public Errno BackingClose(int backingId)
    {
        uint id = (uint)backingId;
        return Libc.Ioctl(Fd, Wire.DevIocBackingClose, &id) < 0 ? (Errno)Libc.LastErrno : Errno.Ok;
    }

    /// <summary>Opens a new /dev/fuse descriptor attached to the same connection (FUSE_DEV_IOC_CLONE).</summary>
    public static int Clone(int masterFd)
    {
        int fd = Libc.Open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            return -Libc.LastErrno;
        uint master = (uint)masterFd;
        if (Libc.Ioctl(fd, Wire.DevIocClone, &master) < 0)
        {
            int err = Libc.LastErrno;
            Libc.Close(fd);
            return -err;
        }
        return fd;
    }
}
