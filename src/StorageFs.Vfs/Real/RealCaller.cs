using System.Globalization;
using StorageFs.Interop;

namespace StorageFs.Vfs.Real;

/// <summary>
/// Runs a change inside an item with the caller's filesystem identity on the serving thread:
/// fsuid and fsgid (setfsuid/setfsgid act on the calling thread only) and supplementary
/// groups (the raw setgroups system call, which also acts on one thread; glibc's setgroups()
/// would change every thread), put back to the daemon's own in a finally. The host then checks
/// permissions exactly as it would for the caller, so even a race on a name could never grant
/// more than the caller already has, and new files belong to the caller as the kernel makes
/// them (group from a set-group-ID directory included), with no chown afterwards.
///
/// Supplementary groups: the FUSE request header carries uid, gid and pid only. A change is
/// first tried with none; only when the host refuses it ((int)Errno.EACCES, (int)Errno.EPERM) are the caller's groups
/// read from /proc/PID/status ("Groups:", what libfuse's fuse_getgroups reads) and the change
/// tried once more, so the common case costs no /proc read. FUSE_CREATE_SUPP_GROUP (protocol
/// 7.40) is not used: it sends one group, on creations only, where unlink, rename and chgrp
/// need the others too. A caller the daemon cannot see (pid 0: another pid namespace) is
/// refused what only its groups would allow.
///
/// Creations also run with umask 0 (the kernel has applied the caller's umask already; the
/// daemon's must not apply again): the serving thread has its own umask after
/// unshare(CLONE_FS), done once per thread, so no other thread sees it.
/// </summary>
internal static class RealCaller
{

    private static readonly uint[] s_daemonGroups = RealNative.GetGroups();

    [ThreadStatic]
    private static int t_ownUmask; // 0 not tried, 1 this thread has its own umask, -1 unshare failed

    /// <summary>Runs <paramref name="op"/> (which returns 0 or an errno) as the caller; <paramref name="creating"/> adds umask 0.</summary>
    public static int Run(RequestContext ctx, bool creating, Func<int> op)
    {
        int err = RunWith(ctx, creating, null, op);
        if (err is (int)Errno.EACCES or (int)Errno.EPERM && (ctx.Uid != 0 || ctx.Gid != 0) && Groups(ctx.Pid) is { Length: > 0 } groups)
            err = RunWith(ctx, creating, groups, op);
        return err;
    }

    private static int RunWith(RequestContext ctx, bool creating, uint[]? groups, Func<int> op)
    {
        bool umask = creating && OwnUmask();
        uint oldMask = umask ? RealNative.Umask(0) : 0;
        bool switched = ctx.Uid != 0 || ctx.Gid != 0;
        uint oldUid = 0, oldGid = 0;
        try
        {
            if (switched)
            {
                RealNative.SetGroups(groups ?? []);
                oldGid = RealNative.SetFsGid(ctx.Gid);
                oldUid = RealNative.SetFsUid(ctx.Uid);
            }
            return op();
        }
        finally
        {
            if (switched)
            {
                RealNative.SetFsUid(oldUid);
                RealNative.SetFsGid(oldGid);
                RealNative.SetGroups(s_daemonGroups);
            }
            if (umask)
                RealNative.Umask(oldMask);
        }
    }

    private static bool OwnUmask()
    {
        if (t_ownUmask == 0)
            t_ownUmask = RealNative.UnshareFs() == 0 ? 1 : -1;
        return t_ownUmask > 0;
    }

    /// <summary>The supplementary groups of process <paramref name="pid"/>, from /proc/PID/status; null when it cannot be read.</summary>
    internal static uint[]? Groups(uint pid)
    {
        if (pid == 0)
            return null;
        try
        {
            foreach (string line in File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status"))
            {
                if (!line.StartsWith("Groups:", StringComparison.Ordinal))
                    continue;
                var groups = new List<uint>();
                foreach (string g in line[7..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                {
                    if (uint.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
                        groups.Add(id);
                }
                return [.. groups];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
