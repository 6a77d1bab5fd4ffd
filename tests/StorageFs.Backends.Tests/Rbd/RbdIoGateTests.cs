using StorageFs.Backends.Rbd;

namespace StorageFs.Backends.Tests.Rbd;

/// <summary>
/// The gate that keeps an rbd image's resizes apart from its I/O without holding a thread:
/// what cannot start now is queued, in order, and started by whoever opens the way; a resize
/// starts only once nothing is in flight, on a thread of its own.
/// </summary>
public sealed class RbdIoGateTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30); // a loaded CI box; never reached when right

    [Fact]
    public void AResize_WaitsForTheRequestsInFlight_WithoutHoldingTheCaller_AndLaterRequestsQueueBehindIt()
    {
        var gate = new RbdIoGate();
        var order = new List<string>();
        Assert.True(gate.TryEnter()); // a request in flight
        using var resized = new ManualResetEventSlim();
        int resizeThread = 0;
        gate.EnterExclusive(() =>
        {
            lock (order)
                order.Add("resize");
            resizeThread = Environment.CurrentManagedThreadId;
            resized.Set();
        });
        // The caller was not held, the resize has not run, and a new request must queue.
        Assert.False(resized.IsSet);
        Assert.False(gate.TryEnter());
        gate.Enter(() =>
        {
            lock (order)
                order.Add("after");
        });
        Assert.Empty(order);

        gate.Exit(); // the request in flight ends (on a librbd callback thread, in the daemon)
        Assert.True(resized.Wait(Wait));
        Assert.NotEqual(Environment.CurrentManagedThreadId, resizeThread);
        Assert.Equal(["resize"], order);

        gate.ExitExclusive(); // starts what queued behind the resize, on this thread
        Assert.Equal(["resize", "after"], order);
    }

    [Fact]
    public void ExitExclusive_StayingShared_KeepsTheNextResizeWaiting_UntilThatRequestEnds()
    {
        var gate = new RbdIoGate();
        gate.EnterExclusive(); // free: entered at once
        using var second = new ManualResetEventSlim();
        gate.EnterExclusive(second.Set);
        gate.ExitExclusive(stayShared: true); // a growing write submitted right after its resize
        Assert.False(second.Wait(TimeSpan.FromMilliseconds(200)));
        gate.Exit(); // that write completes
        Assert.True(second.Wait(Wait));
        gate.ExitExclusive();
        Assert.True(gate.TryEnter());
        gate.Exit();
    }
}
