using System.Globalization;
using StorageFs.Core;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary><c>jobs/&lt;id&gt;/</c>: a long operation's info, progress and ctl.</summary>
internal static class JobDirs
{
    public static VDir Job(StorageTree t, StorageJob job)
    {
        string at = $"jobs/{job.Id}";
        return t.Dir(at, $"stop the job with 'cancel' in {at}/ctl")
            .Add("info", t.Text($"{at}/info", Modes.ReadOnly, _ => Info(job)))
            .Add("state", t.Text($"{at}/state", Modes.ReadOnly, _ => State(job) + "\n"))
            .Add("wait", new JobWaitFile(job, t.Errors, $"{at}/wait"))
            .Add("progress", t.Text($"{at}/progress", Modes.ReadOnly, _ => string.Create(CultureInfo.InvariantCulture, $"{job.DoneBytes} / {job.TotalBytes}\n")))
            .Add("ctl", t.Text($"{at}/ctl", Modes.WriteOnly, null, (_, c) =>
            {
                if (c.Trim() != "cancel")
                    throw Words.Invalid($"unknown command '{c.Trim()}' (cancel)");
                if (job.Status != JobStatus.Running)
                    throw new StorageException(ErrorCode.OperationInvalid, $"job {job.Id} has already finished ({State(job)})");
                job.Cancel();
                return $"ok cancelling job {job.Id}";
            }, usage: "cancel\n"));
    }

    public static string State(StorageJob job) => job.Status switch
    {
        JobStatus.Running => "running",
        JobStatus.Succeeded => "done",
        JobStatus.Failed => "failed",
        _ => "cancelled",
    };

    private static string Info(StorageJob job)
    {
        double seconds = ((job.Finished ?? DateTimeOffset.UtcNow) - job.Started).TotalSeconds;
        ulong rate = seconds > 0 ? (ulong)(job.DoneBytes / seconds) : 0;
        string percent = job.TotalBytes == 0 ? "-" : (100.0 * job.DoneBytes / job.TotalBytes).ToString("F2", CultureInfo.InvariantCulture);
        string error = job.Error is null ? "-" : $"{ErrnoMap.From(job.Error)}: {job.Error.Message}";
        var by = job.Requester;
        return string.Create(CultureInfo.InvariantCulture,
            $"{"Id:",-15} {job.Id}\n{"Operation:",-15} {job.Kind}\n{"Arguments:",-15} {by?.Arguments ?? "-"}\n" +
            $"{"Object:",-15} {job.Pool}{(job.Target is null ? "" : "/" + job.Target)}\n" +
            $"{"State:",-15} {State(job)}\n{"Done:",-15} {job.DoneBytes}\n{"Total:",-15} {job.TotalBytes}\n{"Percent:",-15} {percent}\n" +
            $"{"Rate:",-15} {rate}\n{"Started:",-15} {job.Started.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\n" +
            $"{"Finished:",-15} {(job.Finished is { } f ? f.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) : "-")}\n" +
            $"{"Uid:",-15} {(by is null ? "-" : by.Uid.ToString(CultureInfo.InvariantCulture))}\n" +
            $"{"Pid:",-15} {(by is null ? "-" : by.Pid.ToString(CultureInfo.InvariantCulture))}\n" +
            $"{"Error:",-15} {error}\n");
    }
}
