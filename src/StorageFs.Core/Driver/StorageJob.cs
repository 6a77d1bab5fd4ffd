using System.Diagnostics;
using StorageFs.Core.Backend;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// A long operation (build, volume create/clone/wipe, item clone/delete) running on a worker
/// thread outside every lock, its pool marked busy meanwhile. Progress is bytes done of a
/// total the backend sets; either may be read at any time from any thread. The job ends
/// exactly once, as succeeded, failed (with the error) or cancelled.
/// </summary>
public sealed class StorageJob : IOperationProgress
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _total;
    private long _doneBytes;
    private int _status = (int)JobStatus.Running;

    internal StorageJob(long id, JobKind kind, DefinitionKind poolKind, string pool, string? target, JobRequester? requester = null)
    {
        Requester = requester;
        Id = id;
        Kind = kind;
        PoolKind = poolKind;
        Pool = pool;
        Target = target;
        Started = DateTimeOffset.UtcNow;
    }

    /// <summary>Unique id, increasing from 1.</summary>
    public long Id { get; }

    /// <summary>What the job does.</summary>
    public JobKind Kind { get; }

    /// <summary>Storage pool or fspool.</summary>
    public DefinitionKind PoolKind { get; }

    /// <summary>The pool it works in.</summary>
    public string Pool { get; }

    /// <summary>The volume or item it works on, if any.</summary>
    public string? Target { get; }

    /// <summary>Who started it (null for jobs the daemon starts itself).</summary>
    public JobRequester? Requester { get; }

    /// <summary>When it started.</summary>
    public DateTimeOffset Started { get; }

    /// <summary>When it ended, once it has.</summary>
    public DateTimeOffset? Finished { get; private set; }

    /// <summary>Bytes the job will process (0 until the backend knows).</summary>
    public ulong TotalBytes => (ulong)Interlocked.Read(ref _total);

    /// <summary>Bytes processed so far.</summary>
    public ulong DoneBytes => (ulong)Interlocked.Read(ref _doneBytes);

    /// <summary>Current status.</summary>
    public JobStatus Status => (JobStatus)Volatile.Read(ref _status);

    /// <summary>The error a failed or cancelled job ended with.</summary>
    public StorageException? Error { get; private set; }

    /// <summary>Completes when the job ends; never faults (read <see cref="Error"/>).</summary>
    public Task Completion => _done.Task;

    internal CancellationToken Token => _cancel.Token;

    /// <summary>Asks the job to stop; it ends as cancelled at its next check.</summary>
    public void Cancel()
    {
        if (Status == JobStatus.Running)
        {
            _cancel.Cancel();
        }
    }

    /// <summary>Waits for the end and throws the job's error, if any.</summary>
    /// <exception cref="StorageException">The job failed or was cancelled.</exception>
    public void Wait()
    {
        _done.Task.GetAwaiter().GetResult();
        if (Error is { } error)
        {
            throw new StorageException(error.Code, error.Message, error.OsErrno, error);
        }
    }

    /// <inheritdoc/>
    public void SetTotal(ulong totalBytes) => Interlocked.Exchange(ref _total, (long)Math.Min(totalBytes, long.MaxValue));

    /// <inheritdoc/>
    public void Report(ulong doneBytes)
    {
        long value = (long)Math.Min(doneBytes, long.MaxValue);
        long seen = Interlocked.Read(ref _doneBytes);
        while (value > seen)
        {
            long previous = Interlocked.CompareExchange(ref _doneBytes, value, seen);
            if (previous == seen)
            {
                break;
            }
            seen = previous;
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"job {Id} {Kind} {Pool}{(Target is null ? "" : "/" + Target)} {Status} {DoneBytes}/{TotalBytes}";

    internal void Succeed()
    {
        Report(TotalBytes);
        End(JobStatus.Succeeded, null);
    }

    internal void Fail(StorageException error)
    {
        Debug.Assert(error is not null);
        End(error.Code == ErrorCode.OperationAborted ? JobStatus.Cancelled : JobStatus.Failed, error);
    }

    private void End(JobStatus status, StorageException? error)
    {
        Error = error;
        Finished = DateTimeOffset.UtcNow;
        Volatile.Write(ref _status, (int)status);
        // _cancel is not disposed: Cancel() may race with the end, and a CancellationTokenSource
        // without a timer holds nothing the collector cannot reclaim.
        _done.TrySetResult();
    }
}
