using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary><c>archive DEST [compress=zstd|gzip|lzop|xz] [snapshot] [overwrite] [nowait]</c> of a volume's ctl.</summary>
internal static class ArchiveCommand
{
    public const string Usage = "archive POOL/NAME|/PATH|ssh://HOST/POOL/NAME [compress=zstd|gzip|lzop|xz] [snapshot] [overwrite] [nowait]\n";

    public static string Run(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx, JobRequester requester)
    {
        if (w.Length < 2)
            throw Words.Invalid("usage: " + Usage.TrimEnd());
        if (RemotePlace.IsRemote(w[1]))
            return RemoteCommand.Archive(d, pool, name, w, noWait, ctx);
        var place = VolumePlace.Parse(w[1]);
        var options = new ArchiveOptions();
        foreach (string word in w[2..])
        {
            options = word switch
            {
                "snapshot" => options with { Snapshot = true },
                "overwrite" => options with { Overwrite = true },
                ['c', 'o', 'm', 'p', 'r', 'e', 's', 's', '=', .. var c] => options with { Compression = Compression(c) },
                _ => throw Words.Invalid($"unknown archive word '{word}' (compress=zstd|gzip|lzop|xz, snapshot, overwrite, nowait)"),
            };
        }
        return JobWait.Run(d.StartArchiveVolume(pool, name, place, options, requester), noWait, ctx.Cancellation,
            $"ok archived volume {name} to {place} ({options.Compression.ToString().ToLowerInvariant()})");
    }

    internal static ArchiveCompression Compression(string word) => word switch
    {
        "zstd" => ArchiveCompression.Zstd,
        "gzip" => ArchiveCompression.Gzip,
        "lzop" => ArchiveCompression.Lzop,
        "xz" => ArchiveCompression.Xz,
        _ => throw Words.Invalid($"unknown compressor '{word}' (zstd, gzip, lzop, xz)"),
    };
}
