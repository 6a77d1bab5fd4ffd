using System.Collections.Concurrent;
using Serilog;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// Where the calls of an asynchronous volume (<see cref="IoVolumeHandle"/>) that can only block
/// run: one background thread taking them in order (a close's settle, a release, an lseek over
/// the allocation map), so a stalled cluster holds this thread and the parked requests waiting
/// on it, never a FUSE reader. One thread, started on first use, for the process.
/// </summary>
internal static class VolumeCallQueue
{
    private static readonly BlockingCollection<(Action Call, ILogger Log)> Calls = [];
    private static readonly Lazy<Thread> Worker = new(() =>
    {
        var t = new Thread(Run) { IsBackground = true, Name = "volume-calls" };
        t.Start();
        return t;
    });

    /// <summary>Queues <paramref name="call"/>; what it throws is logged to <paramref name="log"/>.</summary>
    public static void Post(Action call, ILogger log)
    {
        _ = Worker.Value;
        Calls.Add((call, log));
    }

    private static void Run()
    {
        foreach (var (call, log) in Calls.GetConsumingEnumerable())
        {
            try
            {
                call();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.Error(e, "A queued volume call failed");
            }
        }
    }
}
