using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary><c>restore SRC [nowait]</c> of a volume's ctl.</summary>
internal static class RestoreCommand
{
    public const string Usage = "restore POOL/NAME|/PATH|ssh://HOST/POOL/NAME [nowait]\n";

    public static string Run(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx, JobRequester requester)
    {
        if (w.Length != 2)
            throw Words.Invalid("usage: " + Usage.TrimEnd());
        if (Core.Backend.RemotePlace.IsRemote(w[1]))
            return RemoteCommand.Restore(d, pool, name, w, noWait, ctx);
        var place = VolumePlace.Parse(w[1]);
        return JobWait.Run(d.StartRestoreVolume(pool, name, place, requester), noWait, ctx.Cancellation, $"ok restored volume {name} from {place}");
    }
}
