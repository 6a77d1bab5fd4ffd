using System.Collections.Concurrent;
using Serilog;

namespace StorageFs.Vfs.Real;

/// <summary>
/// Gives descriptors (and memory) back before the nodes' shares run out. Every opened item
/// node the kernel remembers holds an O_PATH descriptor, every other one memory, and the kernel
/// remembers every inode it has a dentry for until memory runs short: on a host whose
/// descriptor table is small (a hard limit of 20,000 here), `tar -xf` of 20,000 files into an
/// item met ENFILE half-way. Once the nodes hold more than half of either share (descriptors,
/// or nodes not opened: RealNode.Budgets), a background thread asks the kernel to drop the
/// oldest names of that kind it caches (FUSE_NOTIFY_INVAL_ENTRY, oldest node first) until they
/// hold a quarter of it (listings stop making nodes at half, RealDir.Lookup, so lookups and
/// creations keep the other half while the kernel's FORGETs come in); the kernel forgets the
/// inodes nobody uses (FORGET closes their descriptors) and keeps
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

    /// <summary>A node below a directory was made, opened or not (called by its constructor).</summary>
    internal static void Made(RealNode node)
    {
        s_order.Enqueue(node);
        // Forgotten nodes leave the line lazily: once it is twice what is held, it is swept
        // (amortised over the nodes made since the last sweep).
        if (s_order.Count > 2 * (RealNode.NodeFds + RealNode.Unopened) + 1024 && Interlocked.CompareExchange(ref s_sweeping, 1, 0) == 0)
        {
            for (int left = s_order.Count; left > 0 && s_order.TryDequeue(out var n); left--)
            {
                if (!n.IsEnded)
                    s_order.Enqueue(n);
            }
            Volatile.Write(ref s_sweeping, 0);
        }
        Opened();
    }

    /// <summary>A node took a descriptor: starts a round when either share is more than half used.</summary>
    internal static void Opened()
    {
        var (fds, unopened) = RealNode.Budgets;
        if ((RealNode.NodeFds > fds / 2 || RealNode.Unopened > unopened / 2) && Interlocked.CompareExchange(ref s_running, 1, 0) == 0)
            s_wake.Release();
    }

    private static void Loop()
    {
        while (true)
        {
            s_wake.Wait();
            Run();
        }
    }

    private static void Run()
    {
        try
        {
            var (fdBudget, unopenedBudget) = RealNode.Budgets;
            long fdLow = fdBudget / 4, unopenedLow = unopenedBudget / 4;
            if (Volatile.Read(ref s_notifier) is not { Enabled: true })
                return;
            long startFds = RealNode.NodeFds, startUnopened = RealNode.Unopened, sent = Sent;
            static long Held() => RealNode.NodeFds + RealNode.Unopened;
            // Rounds: invalidate as many names as a share is over (each node once a round, the
            // oldest first, skipping those of a share that is not over), then give the kernel's
            // FORGETs time to arrive; stop when both are under their low marks, or after three
            // rounds that freed nothing (every name left is busy).
            for (int idle = 0; idle < 3;)
            {
                bool fdsOver = RealNode.NodeFds > fdLow, unopenedOver = RealNode.Unopened > unopenedLow;
                if (!fdsOver && !unopenedOver)
                    break;
                long before = Held();
                long excess = Math.Max(RealNode.NodeFds - fdLow, RealNode.Unopened - unopenedLow);
                int tried = 0;
                for (int left = s_order.Count; tried < excess && left > 0 && s_order.TryDequeue(out var node); left--)
                {
                    if (node.IsEnded)
                        continue;
                    if (node.HoldsDescriptor ? fdsOver : unopenedOver)
                    {
                        tried++;
                        Interlocked.Add(ref s_sent, node.Invalidate(s_notifier!));
                    }
                    // Until its FORGET comes (or for good, if it is busy) it stays in line, behind the newer ones.
                    s_order.Enqueue(node);
                }
                if (tried == 0)
                    break;
                for (int wait = 0; wait < 50 && Held() > before - tried / 2; wait++)
                    Thread.Sleep(2);
                idle = Held() < before ? 0 : idle + 1;
            }
            s_log?.Information("Item nodes held {Held} descriptors of their {Budget} and {Unopened} unopened of their {UnopenedBudget}: asked the kernel to drop {Sent} cached names, {Now} and {NowUnopened} held now",
                startFds, fdBudget, startUnopened, unopenedBudget, Sent - sent, RealNode.NodeFds, RealNode.Unopened);
        }
        finally
        {
            Volatile.Write(ref s_running, 0);
        }
    }
}
