namespace StorageFs.Core.Backend;

/// <summary>One directory of the node inventory.</summary>
/// <param name="Path">The directory.</param>
/// <param name="Filesystem">The type of the filesystem it is on (statfs f_type), e.g. <c>xfs</c>.</param>
/// <param name="Capacity">Bytes of that filesystem (f_frsize·f_blocks).</param>
/// <param name="Available">Bytes free for root (f_frsize·f_bfree, as a pool's Available).</param>
/// <param name="Reflink">Whether two files there can share extents (FICLONE tried on two
/// unnamed O_TMPFILE files, nothing left behind).</param>
/// <param name="Note">Why a figure is missing (the directory does not exist…), or null.</param>
public sealed record NodeDirectory(string Path, string? Filesystem, ulong Capacity, ulong Available, bool Reflink, string? Note);
