using System.Collections.Concurrent;

namespace StorageFs.Vfs.Real;

/// <summary>
/// Reads ahead what a reader that stats every name (<c>du</c>, <c>ls -lR</c>, <c>rsync</c>)
/// will list next, as Lustre's statahead does: once a directory lists with attributes
/// (<see cref="RealDir.ListsAttributes"/>), a background thread lists each of its
/// subdirectories on the host and <c>statx</c>es their names, so the host's dentry and inode
/// caches hold them when the reader's READDIRPLUS arrives. The reader's requests then wait for
/// warm calls only, and the cold ones run on the other CPU meanwhile. Nothing is kept: no node,
/// no descriptor past the call, no result. A pool's volumes/ asks the same for its own names
/// (<see cref="Directory"/>) when <c>ls -l</c> lists it. Bounded as everything a user can trigger: one
/// thread, <see cref="MaxQueued"/> directories waiting (more are not read ahead),
/// <see cref="MaxSubdirectories"/> subdirectories and <see cref="MaxNames"/> names each; every
/// name one component beneath its directory's descriptor (never a symlink followed, O_NOATIME:
/// no access time moves for a read nobody asked for).
/// </summary>
public static class RealStatahead
{
    private const int MaxQueued = 64;
    private const int MaxSubdirectories = 1024;
    private const int MaxNames = 4096;
    private const int MaxDirectoryNames = 1 << 18;
    private const int O_NOATIME = 0x40000;
    private const byte DT_DIR = 4;

    // A job: a RealDir whose subdirectories to read ahead, or the path of a directory whose own
    // names to read ahead (Directory).
    private static readonly ConcurrentQueue<object> s_queue = new();
    private static readonly SemaphoreSlim s_wake = new(0);
    private static int s_queued;
    private static int s_started;
    private static long s_warmed;

    private static long s_names;

    /// <summary>Directories read ahead so far.</summary>
    internal static long Warmed => Interlocked.Read(ref s_warmed);

    /// <summary>Names read ahead (statx'd) so far.</summary>
    internal static long Names => Interlocked.Read(ref s_names);

    /// <summary>Starts the thread (at mount: a full descriptor table fails Thread.Start later).</summary>
    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) == 0)
            new Thread(Loop) { IsBackground = true, Name = "fuse-statahead" }.Start();
    }

    /// <summary>Reads ahead the subdirectories of <paramref name="dir"/>, unless too many wait already.</summary>
    internal static void Subdirectories(RealDir dir) => Enqueue(dir);

    /// <summary>
    /// Reads ahead the names of the directory at <paramref name="path"/> itself (at most
    /// <see cref="MaxDirectoryNames"/>), unless too many wait already: a pool's volumes, which
    /// <c>ls -l</c> of volumes/ stats one by one through the daemon. <paramref name="path"/> is a
    /// root the daemon trusts (a pool's target); its last component is not followed.
    /// </summary>
    internal static void Directory(string path) => Enqueue(path);

    private static void Enqueue(object job)
    {
        if (Volatile.Read(ref s_started) == 0)
            return;
        if (Interlocked.Increment(ref s_queued) > MaxQueued)
        {
            Interlocked.Decrement(ref s_queued);
            return;
        }
        s_queue.Enqueue(job);
        s_wake.Release();
    }

    private static void Loop()
    {
        var names = new List<(string Name, byte Type, ulong Ino)>();
        var dents = new byte[RealNative.DentsBuffer];
        while (true)
        {
            s_wake.Wait();
            if (!s_queue.TryDequeue(out var job))
                continue;
            Interlocked.Decrement(ref s_queued);
            try
            {
                if (job is RealDir dir)
                    Warm(dir, names, dents);
                else if (job is string path)
                    WarmNames(path, dents);
            }
            catch (Exception)
            {
                // A read ahead is a hint: whatever failed, the reader's own requests read the host.
            }
        }
    }

    private static void WarmNames(string path, byte[] dents)
    {
        if (RealNative.OpenRoot(path, out int fd) != 0)
            return;
        try
        {
            Interlocked.Add(ref s_names, RealNative.StatNames(fd, ".", MaxDirectoryNames, O_NOATIME, dents));
            Interlocked.Increment(ref s_warmed);
        }
        finally
        {
            RealNative.CloseFd(fd);
        }
    }

    private static void Warm(RealDir dir, List<(string Name, byte Type, ulong Ino)> names, byte[] dents)
    {
        using var fd = dir.Use();
        if (!fd.Ok)
            return;
        names.Clear();
        if (RealNative.ReadDir(fd.Value, names, O_NOATIME) != 0)
            return;
        int subdirectories = 0;
        foreach (var (name, type, _) in names)
        {
            if (type != DT_DIR)
                continue;
            if (++subdirectories > MaxSubdirectories)
                break;
            // Each name statted as getdents64 hands it over (no string per name: du's 20,000
            // names cost the thread a quarter of its CPU in strings and their marshalling).
            Interlocked.Add(ref s_names, RealNative.StatNames(fd.Value, name, MaxNames, O_NOATIME, dents));
        }
        Interlocked.Increment(ref s_warmed);
    }
}
