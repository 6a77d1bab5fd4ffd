using System.Diagnostics;
using System.Globalization;
using Serilog;
using StorageFs.Interop;

namespace StorageFs.Fuse.Session;

/// <summary>
/// A FUSE mount and its /dev/fuse descriptor. As root it opens /dev/fuse and calls mount(2)
/// itself; otherwise it asks the setuid fusermount3 and receives the descriptor over a socket
/// (SCM_RIGHTS, the _FUSE_COMMFD protocol of libfuse's mount.c). Dead mounts of the same type
/// left at the mountpoint by a crashed server are detached first; a live one is never mounted
/// over (<see cref="ClearStale"/>).
/// </summary>
public sealed class FuseMount : IDisposable
{
    private const string Connections = "/sys/fs/fuse/connections";

    /// <summary>How long a mount already at the mountpoint has to answer statfs before it is called hung.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _log;
    private int _unmounted;

    private FuseMount(string mountpoint, int fd, bool viaFusermount, ILogger log)
    {
        Mountpoint = mountpoint;
        Fd = fd;
        ViaFusermount = viaFusermount;
        _log = log;
        // Not stat(2): the mount does not answer until INIT is served, which has not started yet.
        ConnectionId = MountInfo.TopAt(mountpoint)?.Minor ?? 0;
    }

    public string Mountpoint { get; }

    /// <summary>The master /dev/fuse descriptor.</summary>
    public int Fd { get; }

    public bool ViaFusermount { get; }

    /// <summary>The connection number under /sys/fs/fuse/connections (the minor of st_dev).</summary>
    public uint ConnectionId { get; }

    public static FuseMount Create(string mountpoint, FuseServerOptions options, ILogger log, bool forceFusermount = false)
    {
        mountpoint = Path.GetFullPath(mountpoint);
        if (mountpoint.Length > 1)
            mountpoint = mountpoint.TrimEnd('/');
        ClearStale(mountpoint, "fuse." + options.Subtype, log);
        int err = Libc.Stat(mountpoint, out _, out uint mode);
        if (err != 0)
            throw new FuseMountException($"cannot mount on {mountpoint}: {Libc.Strerror(err)}", err);
        if ((mode & 0xF000) != 0x4000)
            throw new FuseMountException($"cannot mount on {mountpoint}: Not a directory", 20);

        return Libc.Getuid() == 0 && !forceFusermount
            ? MountDirect(mountpoint, options, log)
            : MountWithFusermount(mountpoint, options, log);
    }

    /// <summary>
    /// Detaches every dead <paramref name="fsType"/> mount stacked at <paramref name="mountpoint"/>
    /// and returns how many. Decided from /proc/self/mountinfo and statfs, never from stat(2):
    /// the kernel answers stat of a dead FUSE mount from cached attributes until they expire, so a
    /// restart within that time used to mount on top of the dead mount. statfs always reaches the
    /// server (fs/fuse/inode.c fuse_statfs sends FUSE_STATFS uncached): a connection whose server
    /// is gone answers (int)Errno.ENOTCONN (the kernel aborts it when the last /dev/fuse descriptor closes,
    /// fs/fuse/dev.c fuse_dev_release). The top layer is probed, its connection aborted through
    /// /sys/fs/fuse/connections/N/abort, and detached (MNT_DETACH), which uncovers the next.
    /// A layer that answers is served by a live daemon: refused, (int)Errno.EBUSY. One that does not answer
    /// within 5 s is refused too (a hung daemon is not ours to kill), naming its connection.
    /// </summary>
    public static int ClearStale(string mountpoint, string fsType, ILogger log)
    {
        int cleared = 0;
        for (int layer = 0; layer < 64; layer++)
        {
            MountInfoEntry? top = MountInfo.TopAt(mountpoint);
            if (top is null || top.FsType != fsType)
                break;
            int probe = Probe(mountpoint);
            if (probe == 0 || (probe != (int)Errno.ENOTCONN && probe != (int)Errno.ECONNABORTED && probe != -1))
            {
                throw new FuseMountException(
                    $"cannot mount on {mountpoint}: a {fsType} mount there is served by a live daemon (connection {top.Minor}); " +
                    $"stop that daemon or run 'storagefs unmount {mountpoint}' first", (int)Errno.EBUSY);
            }
            if (probe == -1)
            {
                throw new FuseMountException(
                    $"cannot mount on {mountpoint}: the {fsType} mount there (connection {top.Minor}, {Waiting(top.Minor)} requests waiting) " +
                    $"did not answer statfs within {ProbeTimeout.TotalSeconds:0} s; its daemon hangs: stop it, or abort the connection with " +
                    $"'echo 1 > {Connections}/{top.Minor}/abort' and run 'storagefs unmount {mountpoint}'", (int)Errno.EBUSY);
            }
            log.Warning("Detaching a dead {FsType} mount at {Mountpoint} (connection {Connection}: {Error})",
                fsType, mountpoint, top.Minor, Libc.Strerror(probe));
            if (Libc.Getuid() == 0)
            {
                AbortConnection(top.Minor);
                if (Libc.Umount2(mountpoint, Libc.MNT_DETACH) != 0)
                {
                    int e = Libc.LastErrno;
                    throw new FuseMountException($"cannot detach the dead mount at {mountpoint}: {Libc.Strerror(e)}", e);
                }
            }
            else
            {
                RunFusermount(["-u", "-z", "--", mountpoint], null);
            }
            cleared++;
        }
        return cleared;
    }

    /// <summary>
    /// True when the top <paramref name="fsType"/> mount at <paramref name="mountpoint"/> is
    /// served by a live daemon (it answers statfs, or does not answer at all), as
    /// <see cref="ClearStale"/> decides; false when there is none or it is dead.
    /// </summary>
    public static bool IsServedByLiveDaemon(string mountpoint, string fsType)
    {
        MountInfoEntry? top = MountInfo.TopAt(mountpoint);
        if (top is null || top.FsType != fsType)
            return false;
        int probe = Probe(mountpoint);
        return probe is not ((int)Errno.ENOTCONN or (int)Errno.ECONNABORTED);
    }

    /// <summary>statfs of the mount on another thread: its errno (0: answered), or -1 when it did not answer in time.</summary>
    private static int Probe(string mountpoint)
    {
        int result = -1;
        // A hung server leaves the thread waiting in the kernel until the connection ends;
        // it is a background thread, so it never holds the process.
        var t = new Thread(() => Volatile.Write(ref result, Libc.Statfs(mountpoint))) { IsBackground = true, Name = "fuse-mount-probe" };
        t.Start();
        return t.Join(ProbeTimeout) ? Volatile.Read(ref result) : -1;
    }

    private static string Waiting(uint connection)
    {
        try
        {
            return File.ReadAllText($"{Connections}/{connection}/waiting").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    /// <summary>Writes fusectl's abort for <paramref name="connection"/> (mounting fusectl if needed); false when it could not.</summary>
    private static bool AbortConnection(uint connection)
    {
        string path = $"{Connections}/{connection}/abort";
        try
        {
            if (!File.Exists(path) && Libc.Getuid() == 0)
                Libc.Mount("fusectl", Connections, "fusectl", 0, "");
            File.WriteAllText(path, "1");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string MountOptions(FuseServerOptions o, bool forFusermount)
    {
        var parts = new List<string>();
        if (forFusermount)
        {
            parts.Add("fsname=" + o.FsName);
            parts.Add("subtype=" + o.Subtype);
        }
        if (o.AllowOther)
            parts.Add("allow_other");
        if (o.DefaultPermissions)
            parts.Add("default_permissions");
        if (o.ReadOnly && forFusermount)
            parts.Add("ro");
        return string.Join(',', parts);
    }

    private static FuseMount MountDirect(string mountpoint, FuseServerOptions o, ILogger log)
    {
        int fd = Libc.Open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int e = Libc.LastErrno;
            throw new FuseMountException($"cannot open /dev/fuse: {Libc.Strerror(e)}", e);
        }
        string data = string.Create(CultureInfo.InvariantCulture,
            $"fd={fd},rootmode=40000,user_id={Libc.Getuid()},group_id={Libc.Getgid()}");
        string extra = MountOptions(o, forFusermount: false);
        if (extra.Length > 0)
            data += "," + extra;
        ulong flags = Libc.MS_NOSUID | Libc.MS_NODEV | (o.ReadOnly ? Libc.MS_RDONLY : 0);
        if (Libc.Mount(o.FsName, mountpoint, "fuse." + o.Subtype, flags, data) != 0)
        {
            int e = Libc.LastErrno;
            Libc.Close(fd);
            throw new FuseMountException($"mount of {mountpoint} failed: {Libc.Strerror(e)}", e);
        }
        log.Information("Mounted {Mountpoint} (fd {Fd}, options {Options})", mountpoint, fd, data);
        return new FuseMount(mountpoint, fd, viaFusermount: false, log);
    }

    private static unsafe FuseMount MountWithFusermount(string mountpoint, FuseServerOptions o, ILogger log)
    {
        int* sv = stackalloc int[2];
        if (Libc.Socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, sv) != 0)
            throw new FuseMountException($"socketpair failed: {Libc.Strerror(Libc.LastErrno)}", Libc.LastErrno);
        try
        {
            // sv[1] is inherited by fusermount3 (no CLOEXEC); it sends the /dev/fuse fd back on it.
            Libc.Fcntl(sv[0], 2 /* F_SETFD */, 1 /* FD_CLOEXEC */);
            RunFusermount(["-o", MountOptions(o, forFusermount: true), "--", mountpoint], sv[1].ToString(CultureInfo.InvariantCulture));
            int fd = ReceiveFd(sv[0]);
            log.Information("Mounted {Mountpoint} through fusermount3 (fd {Fd})", mountpoint, fd);
            return new FuseMount(mountpoint, fd, viaFusermount: true, log);
        }
        finally
        {
            Libc.Close(sv[0]);
            Libc.Close(sv[1]);
        }
    }

    private static unsafe int ReceiveFd(int socket)
    {
        byte data = 0;
        byte* control = stackalloc byte[64];
        var iov = new Libc.IoVec { Base = &data, Len = 1 };
        var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
        nint n = Libc.Recvmsg(socket, &msg, 0);
        if (n <= 0)
            throw new FuseMountException("fusermount3 did not pass a /dev/fuse descriptor", n < 0 ? Libc.LastErrno : 0);
        // struct cmsghdr { size_t len; int level; int type; } then the fd (SOL_SOCKET 1, SCM_RIGHTS 1).
        if (msg.ControlLen < 20 || *(int*)(control + 8) != 1 || *(int*)(control + 12) != 1)
            throw new FuseMountException("fusermount3 answered without SCM_RIGHTS");
        int fd = *(int*)(control + 16);
        Libc.Fcntl(fd, 2, 1);
        return fd;
    }

    private static void RunFusermount(string[] args, string? commFd)
    {
        var psi = new ProcessStartInfo("fusermount3") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        if (commFd is not null)
            psi.Environment["_FUSE_COMMFD"] = commFd;
        using var p = Process.Start(psi) ?? throw new FuseMountException("cannot start fusermount3");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new FuseMountException($"fusermount3 {string.Join(' ', args)} failed: {err.Trim()}");
    }

    /// <summary>Unmounts (lazily if busy). Safe to call more than once.</summary>
    public void Unmount()
    {
        if (Interlocked.Exchange(ref _unmounted, 1) != 0)
            return;
        try
        {
            if (ViaFusermount)
            {
                RunFusermount(["-u", "-z", "--", Mountpoint], null);
            }
            else if (Libc.Umount2(Mountpoint, 0) != 0)
            {
                int e = Libc.LastErrno;
                if (e == (int)Errno.EBUSY && Libc.Umount2(Mountpoint, Libc.MNT_DETACH) == 0)
                    _log.Information("Unmounted {Mountpoint} lazily: it was busy", Mountpoint);
                else if (e != 22 /* EINVAL: not mounted any more */)
                    _log.Warning("Unmounting {Mountpoint} failed: {Error}", Mountpoint, Libc.Strerror(e));
            }
            else
            {
                _log.Information("Unmounted {Mountpoint}", Mountpoint);
            }
        }
        catch (FuseMountException ex)
        {
            _log.Warning("Unmounting {Mountpoint} failed: {Error}", Mountpoint, ex.Message);
        }
    }

    /// <summary>Aborts the connection through fusectl: every pending and future request fails with (int)Errno.ENOTCONN.</summary>
    public bool Abort() => AbortConnection(ConnectionId);

    public void Dispose()
    {
        Unmount();
        Libc.Close(Fd);
    }
}
