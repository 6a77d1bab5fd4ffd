using System.Collections.Concurrent;
using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// Every running job and the most recent finished ones (up to <see cref="KeepFinished"/>),
/// for the tree to list. Thread-safe; starting a job never blocks on another.
/// </summary>
public sealed class JobRegistry
{
    /// <summary>How many finished jobs stay listed.</summary>
    public const int KeepFinished = 64;

    private readonly ConcurrentDictionary<long, StorageJob> _jobs = new();
    private readonly ConcurrentQueue<long> _finished = new();
    private readonly ILogger _log;
    private long _nextId;

    internal JobRegistry(ILogger log)
    {
        _log = log;
    }

    /// <summary>Jobs running or recently finished, by id.</summary>
    public IReadOnlyList<StorageJob> List() => [.. _jobs.Values.OrderBy(j => j.Id)];

    /// <summary>The job with <paramref name="id"/>, or null.</summary>
    public StorageJob? Find(long id) => _jobs.GetValueOrDefault(id);

    /// <summary>Runs <paramref name="body"/> on a worker thread as a new job asked for by
    /// <paramref name="requester"/> (null: the daemon itself). The body reports progress to the
    /// job and observes its token; <paramref name="cleanup"/> runs after it whatever happens (to
    /// release the pool's busy marks) before the job ends.</summary>
    internal StorageJob Start(JobKind kind, DefinitionKind poolKind, string pool, string? target, JobRequester? requester,
        Action<StorageJob, CancellationToken> body, Action<bool> cleanup)
    {
        var job = new StorageJob(Interlocked.Increment(ref _nextId), kind, poolKind, pool, target, requester);
        _jobs[job.Id] = job;
        var token = job.Token;
        _log.Debug("Job {Job} started", job.ToString());
        Task.Factory.StartNew(() => Run(job, token, body, cleanup), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return job;
    }

    private void Run(StorageJob job, CancellationToken token, Action<StorageJob, CancellationToken> body, Action<bool> cleanup)
    {
        StorageException? error = null;
        try
        {
            token.ThrowIfCancellationRequested();
            body(job, token);
        }
        catch (OperationCanceledException)
        {
            error = StorageErrors.Aborted($"job {job.Id} ({job.Kind}) was cancelled");
        }
        catch (StorageException e)
        {
            error = e;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = StorageErrors.Io(e, $"job {job.Id} ({job.Kind})");
        }
        catch (Exception e)
        {
            error = StorageErrors.Internal($"job {job.Id} ({job.Kind}) failed: {e.Message}", e);
            _log.Error(e, "Job {Job} failed unexpectedly", job.ToString());
        }
        try
        {
            cleanup(error is null);
        }
        catch (Exception e)
        {
            _log.Error(e, "Cleanup of job {Job} failed", job.ToString());
            error ??= StorageErrors.Internal($"job {job.Id} ({job.Kind}) cleanup failed: {e.Message}", e);
        }
        if (error is null)
        {
            job.Succeed();
            _log.Debug("Job {Job} succeeded", job.ToString());
        }
        else
        {
            job.Fail(error);
            _log.Information("Job {Job} ended: {Error}", job.ToString(), error.Message);
        }
        _finished.Enqueue(job.Id);
        while (_finished.Count > KeepFinished && _finished.TryDequeue(out var old))
        {
            _jobs.TryRemove(old, out _);
        }
    }
}
