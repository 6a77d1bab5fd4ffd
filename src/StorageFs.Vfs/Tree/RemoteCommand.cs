using System.Globalization;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// The <c>ssh://HOST/POOL/NAME</c> forms of a volume's <c>clone</c>, <c>archive</c> and
/// <c>restore</c> (docs/CLUSTER.md "Host-to-host copy"); the reply says what crossed the wire.
/// </summary>
internal static class RemoteCommand
{
    public static string Clone(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx)
    {
        var to = RemotePlace.Parse(w[1]);
        if (w.Length > 2)
            throw Words.Invalid($"unknown clone word '{w[2]}' (a clone to another host takes no options but nowait)");
        return Wait(d.StartCloneToRemote(pool, name, to, JobWait.By(ctx, string.Join(' ', w))), noWait, ctx, $"cloned volume {name} to {to}");
    }

    public static string Archive(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx)
    {
        var to = RemotePlace.Parse(w[1]);
        var compression = ArchiveCompression.Zstd;
        foreach (string word in w[2..])
        {
            compression = word switch
            {
                ['c', 'o', 'm', 'p', 'r', 'e', 's', 's', '=', .. var c] => ArchiveCommand.Compression(c),
                _ => throw Words.Invalid($"unknown archive word '{word}' (to another host: compress=zstd|gzip|lzop|xz, nowait)"),
            };
        }
        return Wait(d.StartArchiveToRemote(pool, name, to, compression, JobWait.By(ctx, string.Join(' ', w))), noWait, ctx,
            $"archived volume {name} to {to} ({compression.ToString().ToLowerInvariant()})");
    }

    public static string Restore(StorageDriver d, string pool, string name, string[] w, bool noWait, RequestContext ctx)
    {
        if (w.Length != 2)
            throw Words.Invalid("usage: " + RestoreCommand.Usage.TrimEnd());
        var from = RemotePlace.Parse(w[1]);
        return Wait(d.StartRestoreFromRemote(pool, name, from, JobWait.By(ctx, string.Join(' ', w))), noWait, ctx, $"restored volume {name} from {from}");
    }

    private static string Wait(RemoteTransfer transfer, bool noWait, RequestContext ctx, string done)
    {
        string reply = JobWait.Run(transfer.Job, noWait, ctx.Cancellation, "ok " + done);
        return noWait || transfer.Stats is not { } stats ? reply
            : reply + string.Create(CultureInfo.InvariantCulture, $" ({stats.DataBytes} bytes, {stats.WireBytes} on the wire)");
    }
}
