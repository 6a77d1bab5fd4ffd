using System.Diagnostics;
using System.IO.Pipelines;
using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Remote;

/// <summary>
/// Child processes joined output to input, as a shell pipeline is, with the daemon's own code
/// at both ends: a feed writes into the first one's input, a drain reads the last one's output,
/// and between each pair the bytes are relayed (and counted) through System.IO.Pipelines
/// readers, so a slow stage holds the ones before it back (a pipe's buffer, no more). Every
/// exit status is checked: a stage that fails, or a feed or drain that throws, kills the rest.
/// </summary>
internal static class ProcessChain
{
    /// <summary>One program of the chain; <paramref name="Describe"/> turns its failure (exit
    /// status, what it printed on standard error) into the error to report.</summary>
    public sealed record Stage(string Program, IReadOnlyList<string> Arguments, Func<int, string, StorageException> Describe);

    /// <summary>
    /// Runs <paramref name="stages"/> from <paramref name="feed"/> to <paramref name="drain"/>;
    /// returns the bytes relayed from each stage to the next. The error reported is, in this
    /// order: what the feed or drain threw as a <see cref="StorageException"/>, the failure of
    /// the stage marked <paramref name="primary"/> (whose message explains the others': the ssh
    /// link), then the first other stage that failed.
    /// </summary>
    public static long[] Run(IReadOnlyList<Stage> stages, int primary, Func<PipeWriter, CancellationToken, Task> feed,
        Func<PipeReader, CancellationToken, Task> drain, CancellationToken cancellation)
    {
        var processes = new List<Process>(stages.Count);
        var errors = new List<Task<string>>(stages.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        try
        {
            foreach (var stage in stages)
            {
                var start = new ProcessStartInfo(HostTools.HostSupport.Find(stage.Program)
                    ?? throw StorageErrors.NoSupport($"'{stage.Program}' is not installed (Debian package {(stage.Program == "ssh" ? "openssh-client" : stage.Program)})"))
                {
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                foreach (var a in stage.Arguments)
                {
                    start.ArgumentList.Add(a);
                }
                var process = Process.Start(start) ?? throw StorageErrors.Internal($"cannot start '{stage.Program}'");
                processes.Add(process);
                errors.Add(process.StandardError.ReadToEndAsync(CancellationToken.None));
            }
            using var killer = stop.Token.Register(() => KillAll(processes));
            var relayed = new long[stages.Count - 1];
            var tasks = new List<Task>
            {
                Guard(async () =>
                {
                    var writer = PipeWriter.Create(processes[0].StandardInput.BaseStream);
                    await feed(writer, stop.Token).ConfigureAwait(false);
                    await writer.CompleteAsync().ConfigureAwait(false);
                }, stop),
                Guard(async () =>
                {
                    var reader = PipeReader.Create(processes[^1].StandardOutput.BaseStream);
                    await drain(reader, stop.Token).ConfigureAwait(false);
                    await reader.CompleteAsync().ConfigureAwait(false);
                }, stop),
            };
            for (int i = 0; i + 1 < processes.Count; i++)
            {
                int at = i;
                tasks.Add(Guard(() => Relay(processes[at].StandardOutput.BaseStream, processes[at + 1].StandardInput.BaseStream,
                    n => relayed[at] += n, stop.Token), stop));
            }
            try
            {
                Task.WaitAll(tasks.ToArray(), CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Sorted out below, with the exit statuses.
            }
            foreach (var p in processes)
            {
                p.WaitForExit();
            }
            cancellation.ThrowIfCancellationRequested();
            var thrown = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).ToList();
            if (thrown.OfType<StorageException>().FirstOrDefault() is { } ours)
            {
                throw ours;
            }
            foreach (int i in new[] { primary }.Concat(Enumerable.Range(0, stages.Count).Where(i => i != primary)))
            {
                if (processes[i].ExitCode != 0)
                {
                    throw stages[i].Describe(processes[i].ExitCode, errors[i].Result.Trim());
                }
            }
            if (thrown.FirstOrDefault() is { } other)
            {
                throw StorageErrors.Io(other, "host-to-host copy");
            }
            return relayed;
        }
        finally
        {
            KillAll(processes);
            foreach (var p in processes)
            {
                p.Dispose();
            }
        }
    }

    // A failed end stops the whole chain: every process killed, so no task waits for ever.
    private static async Task Guard(Func<Task> body, CancellationTokenSource stop)
    {
        try
        {
            await body().ConfigureAwait(false);
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task Relay(Stream from, Stream to, Action<long> counted, CancellationToken cancellation)
    {
        var reader = PipeReader.Create(from);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await to.WriteAsync(segment, cancellation).ConfigureAwait(false);
                    counted(segment.Length);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await to.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The next stage is gone (EPIPE): its exit status says why.
            }
        }
    }

    private static void KillAll(List<Process> processes)
    {
        foreach (var p in processes)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }
    }
}
