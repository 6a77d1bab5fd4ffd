namespace StorageFs.Vfs.Tree;

/// <summary>
/// A directory's path and mtime, read before a listing re-reads it (volumes/, items/). Trusted
/// (<see cref="Settled"/>) only when the mtime was over a second old at that moment: a later
/// change then gets a later mtime even on a filesystem with coarse (jiffy) or one-second
/// timestamps, so an equal stamp means no entry was added, removed or renamed since.
/// </summary>
internal sealed record DirStamp(string Path, DateTime Mtime)
{
    public bool Settled { get; init; }

    /// <summary>The stamp of <paramref name="path"/>; null when there is none to trust (no
    /// path, no directory, not readable).</summary>
    public static DirStamp? Of(string? path)
    {
        if (path is null)
            return null;
        try
        {
            var dir = new DirectoryInfo(path);
            if (!dir.Exists)
                return null;
            DateTime mtime = dir.LastWriteTimeUtc;
            return new DirStamp(path, mtime) { Settled = DateTime.UtcNow - mtime > TimeSpan.FromSeconds(1) };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
