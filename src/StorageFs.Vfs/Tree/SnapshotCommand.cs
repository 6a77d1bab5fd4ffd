using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary><c>snapshot NEW [nowait]</c> of a volume's ctl.</summary>
internal static class SnapshotCommand
{
    public const string Usage = "snapshot NEWNAME [nowait]\n";

    public static string Run(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx, JobRequester requester)
    {
        if (w.Length != 2)
            throw Words.Invalid("usage: " + Usage.TrimEnd());
        string newName = Words.XmlName(w[1]);
        return JobWait.Run(d.StartSnapshotVolume(pool, name, newName, requester), noWait, ctx.Cancellation, $"ok snapshot {newName} of volume {name}");
    }
}
