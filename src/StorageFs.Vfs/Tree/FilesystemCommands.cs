using System.Globalization;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// The volume commands that act on the filesystem inside a raw volume: <c>growfs [SIZE]</c>
/// and <c>shrinkfs SIZE [resize]</c> (docs/TREE.md). Parsed completely here; the driver then
/// checks the volume and the filesystem before the job starts, so a refusal changes nothing.
/// </summary>
internal static class FilesystemCommands
{
    public const string Usage = "growfs [SIZE] [nowait]\nshrinkfs SIZE [resize] [nowait]\n";

    public static bool Handles(string verb) => verb is "growfs" or "shrinkfs";

    public static string Run(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx, JobRequester requester)
    {
        if (w[0] == "growfs")
        {
            if (w.Length > 2)
                throw Words.Invalid("usage: growfs [SIZE]");
            ulong? size = w.Length == 2 ? Words.Size(w[1]) : null;
            var job = d.StartGrowFilesystem(pool, name, size, requester);
            return JobWait.Run(job, noWait, ctx.Cancellation, $"ok grew the filesystem of {name}");
        }
        if (w.Length is < 2 or > 3 || (w.Length == 3 && w[2] != "resize"))
            throw Words.Invalid("usage: shrinkfs SIZE [resize]");
        ulong target = Words.Size(w[1]);
        bool resize = w.Length == 3;
        var shrink = d.StartShrinkFilesystem(pool, name, target, resize, requester);
        return JobWait.Run(shrink, noWait, ctx.Cancellation, resize
            ? string.Create(CultureInfo.InvariantCulture, $"ok shrank the filesystem of {name} and the volume to {target}")
            : $"ok shrank the filesystem of {name}");
    }
}
