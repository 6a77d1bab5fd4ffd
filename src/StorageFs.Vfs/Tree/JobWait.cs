using System.Globalization;
using StorageFs.Core;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// Long operations block their writer until the job ends, so the writer's exit status is the
/// result, while <c>jobs/ID/</c> shows progress. The write is parked, and this waits on the
/// command's own thread, never a FUSE reader. Killing the writer (Ctrl-C, kill: FUSE INTERRUPT
/// with the caller dying) answers EINTR at once and cancels the job. A trailing <c>nowait</c> word
/// returns at once with the job's id instead.
/// </summary>
internal static class JobWait
{
    /// <summary>Who asks for a job (jobs/ID/info): the caller of the request and, for a command,
    /// its words after the verb without <c>nowait</c> (null for a document or a file operation).</summary>
    public static JobRequester By(RequestContext ctx, string? command = null) => new(ctx.Uid, ctx.Pid, command is null ? null : Arguments(command));

    private static string? Arguments(string command)
    {
        string[] words = command.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string rest = string.Join(' ', words.Skip(1).Where(w => w != "nowait"));
        return rest.Length == 0 ? null : rest;
    }

    public static bool NoWait(ref string[] words)
    {
        if (words.Length > 1 && words[^1] == "nowait")
        {
            words = words[..^1];
            return true;
        }
        return false;
    }

    public static string Run(StorageJob job, bool noWait, CancellationToken cancel, string done)
    {
        if (noWait)
            return string.Create(CultureInfo.InvariantCulture, $"ok job {job.Id}");
        try
        {
            job.Completion.Wait(cancel);
        }
        catch (OperationCanceledException)
        {
            job.Cancel();
            job.Completion.Wait(TimeSpan.FromSeconds(30));
            throw new StorageException(ErrorCode.OperationAborted, $"job {job.Id} cancelled: the writer was interrupted");
        }
        job.Wait();
        return done;
    }
}
