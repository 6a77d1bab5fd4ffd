using System.Collections.Concurrent;
using Serilog;

namespace StorageFs.Vfs.Real;

/// <summary>
/// Gives descriptors back before the nodes' share of the table runs out. Every item node the
/// kernel remembers holds an O_PATH descriptor, and the kernel remembers every inode it has a
/// dentry for until memory runs short: on a host whose descriptor table is small (a hard limit
/// of 20,000 here), `tar -xf` of 20,000 files into an item met ENFILE half-way. Once the nodes
/// hold more than half of their share, a background thread asks the kernel to drop the oldest
/// names it caches (FUSE_NOTIFY_INVAL_ENTRY, oldest node first) until they hold a quarter of
/// it (listings stop making nodes at half, RealDir.Lookup, so lookups and creations keep the
/// other half while the kernel's FORGETs come in); the kernel forgets the inodes nobody uses (FORGET closes their descriptors) and keeps
/// the busy ones (an open file, a working directory), whose names a later LOOKUP finds again.
/// Only cached names go: nothing on the host changes, and the next access asks the daemon again.
/// The notifications run on that thread, never inline: fs/fuse/dev.c takes the directory's
/// lock, which a request in that directory may hold.
/// </summary>
public static class RealReclaim
{
    private static readonly ConcurrentQueue<RealNode> s_order = new();
    private static Notifier? s_notifier;
    private static ILogger? s_log;
    private static readonly SemaphoreSlim s_wake = new(0);
    private static int s_running;
    private static int s_started;
    private static int s_sweeping;
    private static long s_budget;

    private static long s_sent;

    /// <summary>Names the kernel was asked to drop so far.</summary>
    public static long Sent => Interlocked.Read(ref s_sent);

    /// <summary>Starts reclaiming once <paramref name="notifier"/> can reach the kernel (the mount is up).</summary>
    public static void Attach(Notifier notifier, ILogger log)
    {
        s_log = log.ForContext(typeof(RealReclaim));
        Volatile.Write(ref s_notifier, notifier);
        // Started now, not when it is needed: a full descriptor table fails Thread.Start.
        if (Interlocked.Exchange(ref s_started, 1) == 0)
            new Thread(Loop) { IsBackground = true, Name = "fuse-reclaim" }.Start();
    }

    /// <summary>A node took a descriptor (called by its constructor).</summary>
    internal static void Made(RealNode node, long held, long budget)
    {
        s_order.Enqueue(node);
        // Forgotten nodes leave the line lazily: once it is twice what is held, it is swept
        // (amortised over the nodes made since the last sweep).
        if (s_order.Count > 2 * held + 1024 && Interlocked.CompareExchange(ref s_sweeping, 1, 0) == 0)
        {
            for (int left = s_order.Count; left > 0 && s_order.TryDequeue(out var n); left--)
            {
                if (!n.IsEnded)
                    s_order.Enqueue(n);
            }
            Volatile.Write(ref s_sweeping, 0);
        }
        if (held > budget / 2 && Interlocked.CompareExchange(ref s_running, 1, 0) == 0)
        {
            Volatile.Write(ref s_budget, budget);
            s_wake.Release();
        }
    }

    private static void Loop()
    {
        while (true)
        {
            s_wake.Wait();
            Run(Volatile.Read(ref s_budget));
        }
    }

    private static void Run(long budget)
    {
        try
        {
            long low = budget / 4;
            if (Volatile.Read(ref s_notifier) is not { Enabled: true })
                return;
            long start = RealNode.NodeFds, sent = Sent;
            // Rounds: invalidate as many names as the share is over (each node once a round, the
            // oldest first), then give the kernel's FORGETs time to arrive; stop under the low
            // mark, or after three rounds that freed nothing (every name left is busy).
            for (int idle = 0; idle < 3 && RealNode.NodeFds > low;)
            {
                long before = RealNode.NodeFds;
                long excess = before - low;
                int tried = 0;
                for (int left = s_order.Count; tried < excess && left > 0 && s_order.TryDequeue(out var node); left--)
                {
                    if (node.IsEnded)
                        continue;
                    tried++;
                    Interlocked.Add(ref s_sent, node.Invalidate(s_notifier!));
                    // Until its FORGET comes (or for good, if it is busy) it stays in line, behind the newer ones.
                    s_order.Enqueue(node);
                }
                if (tried == 0)
                    break;
                for (int wait = 0; wait < 50 && RealNode.NodeFds > low && RealNode.NodeFds > before - tried / 2; wait++)
                    Thread.Sleep(2);
                idle = RealNode.NodeFds < before ? 0 : idle + 1;
            }
            s_log?.Information("Item nodes held {Held} descriptors of their {Budget}: asked the kernel to drop {Sent} cached names, {Now} held now",
                start, budget, Sent - sent, RealNode.NodeFds);
        }
        finally
        {
            Volatile.Write(ref s_running, 0);
        }
    }
}
