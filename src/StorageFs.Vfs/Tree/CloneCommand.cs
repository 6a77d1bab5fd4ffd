using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary><c>clone NEW [pool=P2] [format=F] [reflink|copy] [prealloc] [nowait]</c> of a volume's ctl.</summary>
internal static class CloneCommand
{
    public const string Usage = "clone NEWNAME [pool=POOL] [format=FORMAT] [reflink|copy] [prealloc] [nowait]\nclone ssh://HOST/POOL/NAME [nowait]\n";

    public static string Run(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx, JobRequester requester)
    {
        if (w.Length < 2)
            throw Words.Invalid("usage: " + Usage.TrimEnd());
        if (RemotePlace.IsRemote(w[1]))
            return RemoteCommand.Clone(d, pool, name, w, noWait, ctx);
        string newName = Words.XmlName(w[1]);
        string? into = null;
        string? format = null;
        var flags = VolumeCreateFlags.PreferReflink;
        bool prealloc = false;
        foreach (string word in w[2..])
        {
            switch (word)
            {
                case "reflink":
                    flags = VolumeCreateFlags.Reflink;
                    break;
                case "copy":
                    flags = VolumeCreateFlags.None;
                    break;
                case "prealloc":
                    prealloc = true;
                    break;
                case ['p', 'o', 'o', 'l', '=', .. var p] when p.Length > 0:
                    into = p;
                    break;
                case ['f', 'o', 'r', 'm', 'a', 't', '=', .. var f] when f.Length > 0:
                    format = Words.XmlName(f);
                    break;
                default:
                    throw Words.Invalid($"unknown clone word '{word}' (pool=POOL, format=FORMAT, reflink, copy, prealloc, nowait)");
            }
        }
        var job = d.StartCloneVolumeAs(pool, name, newName, into, format, flags, prealloc, requester);
        return JobWait.Run(job, noWait, ctx.Cancellation, $"ok cloned volume {name} to {(into is null ? "" : into + "/")}{newName}");
    }
}
