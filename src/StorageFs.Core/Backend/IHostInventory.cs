namespace StorageFs.Core.Backend;

/// <summary>
/// What this host offers for storage, read fresh on each call (the <c>node</c> file): free
/// space and reflink ability of directories, volume groups, the filesystems it can make, the
/// compressors it has. Backends/Filesystems builds the production one. Thread-safe; never throws
/// for something it cannot find out (it says so in the result).
/// </summary>
public interface IHostInventory
{
    /// <summary>Describes the host, with one entry per directory of <paramref name="directories"/>.</summary>
    NodeInventory Describe(IReadOnlyList<string> directories);
}
