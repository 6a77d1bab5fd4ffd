using System.Text.RegularExpressions;
using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Transport;

/// <summary>
/// Over io_uring a parked request's late reply is committed by the thread that replies, and
/// the kernel then delivers that ring entry's next request by task work on that very thread.
/// A write to a control file is parked and answered from a thread of its own, which ends right
/// after: its entries must be handed back (the daemon registers them again) before a request
/// comes for them, or that request is never delivered and its caller hangs in D state.
/// </summary>
public sealed partial class UringLateCommitTests
{
    [Fact]
    public void On_LateRepliesFromThreadsThatThenEnd_LeaveEveryLaterRequestAnswered()
    {
        UringParameter.Set("Y");
        using var tree = TreeMount.Start(true, "--uring", "on");
        Assert.Contains("late replies committed by the replying thread", tree.Daemon.Log, StringComparison.Ordinal);
        string pool = tree.NewRunningPool("lc");
        // Each `refresh` written to the pool's ctl runs on a thread that ends once it has answered;
        // the writer sleeps before its close, so the thread ends while the entry it committed
        // waits for a request, and the close's FLUSH and RELEASE come after. Then a burst on
        // both CPUs. A lost request leaves its caller asleep for ever: the script reports it.
        ShellResult r = tree.Sh($$"""
            set -u
            work() {
              for i in $(seq 20); do
                exec 3> "$M/pools/{{pool}}/ctl"
                echo refresh >&3
                sleep 0.15
                exec 3>&-
              done
              for j in 1 2 3 4; do
                ( for i in $(seq 100); do ls "$M/pools" > /dev/null; stat "$M/pools/{{pool}}/ctl" > /dev/null; done ) &
              done
              wait
            }
            work & P=$!
            for t in $(seq 600); do kill -0 $P 2>/dev/null || break; sleep 0.1; done
            if kill -0 $P 2>/dev/null; then
              echo "still running after 60 s"
              for c in /sys/fs/fuse/connections/*/; do echo "connection $c waiting $(cat "$c/waiting")"; done
              exit 3
            fi
            wait $P
            echo done
            """, timeout: TimeSpan.FromSeconds(90));
        Assert.True(r.Succeeded && r.Stdout.EndsWith("done\n", StringComparison.Ordinal), tree.Describe(r));
        // The path under test was taken: replies committed by their threads, entries registered
        // again after those threads ended.
        int before = Regex.Count(tree.Daemon.Log, "FUSE connection state: ");
        tree.Daemon.Signal("USR1");
        var clock = Stopwatch.StartNew();
        while (Regex.Count(tree.Daemon.Log, "FUSE connection state: ") == before && clock.Elapsed < TimeSpan.FromSeconds(20))
            Thread.Sleep(20);
        string state = tree.Daemon.Log.Split('\n').Last(l => l.Contains("FUSE connection state: ", StringComparison.Ordinal));
        long direct = CommittedByReplier().Matches(state).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        long again = RegisteredAgain().Matches(state).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(direct >= 10 && again >= 1, $"{direct} late replies committed by their threads, {again} entries registered again:\n{state}");
        Assert.DoesNotContain("[ERR]", tree.Daemon.Log, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(\d+) committed by the replying thread")]
    private static partial Regex CommittedByReplier();

    [GeneratedRegex(@"(\d+) registered again")]
    private static partial Regex RegisteredAgain();
}
