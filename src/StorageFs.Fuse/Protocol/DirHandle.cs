using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// An open directory: a snapshot of its entries taken at OPENDIR (and again on rewind), so a
/// listing read in several READDIR calls is consistent. Entry i has offset i + 1; entries 0 and
/// 1 are "." and "..". Guarded by its own lock: one descriptor may be read from two threads.
/// </summary>
/// <remarks>
/// The entry lists are recycled (<see cref="Rent"/>, <see cref="Return"/>): a 10,000-entry
/// snapshot is a 320 KB array, and allocating one per <c>ls</c> cost more daemon time in page
/// faults and copies while the list grew than packing the READDIR replies did (perf, bench/run).
/// </remarks>
internal sealed class DirHandle
{
    private const int PoolSize = 8;
    private const int MaxPooledCapacity = 1 << 20;
    private static readonly Stack<List<DirEntry>> s_pool = new();
    private static readonly Lock s_poolGate = new();

    private DirHandle(Node dir, List<DirEntry> entries)
    {
        Dir = dir;
        Entries = entries;
    }

    public Node Dir { get; }

    /// <summary>The list a listing is made in (recycled); see <see cref="Listed"/> for what is served.</summary>
    public List<DirEntry> Entries { get; private set; }

    /// <summary>The entries served: the kept listing's own array when <see cref="Shared"/> is
    /// set (nothing copied per OPENDIR), else <see cref="Entries"/>. Read under <see cref="Gate"/>.</summary>
    public ReadOnlySpan<DirEntry> Listed => Shared is { } kept ? kept.Entries : CollectionsMarshal.AsSpan(Entries);

    public bool Served { get; set; }

    /// <summary>The directory's <see cref="ListingCache"/> when this handle was opened with
    /// FOPEN_CACHE_DIR (it may fill the kernel's readdir cache); told at RELEASEDIR.</summary>
    public ListingCache? Cache { get; set; }

    /// <summary>The listing's number from <see cref="INodeVersionedReadDir"/>; 0 when it has none.</summary>
    public ulong Version { get; set; }

    /// <summary>The directory's <see cref="ListingSnapshot"/> when this handle serves its entries
    /// (plain READDIR replies are then slices of its packed records); null otherwise.</summary>
    public ListingSnapshot? Shared { get; set; }

    /// <summary>The uid the handle is counted under (HandleQuota).</summary>
    public uint Uid { get; set; }

    public Lock Gate { get; } = new();

    /// <summary>A handle on <paramref name="dir"/> with an empty entry list, recycled when one is free.</summary>
    public static DirHandle Rent(Node dir)
    {
        List<DirEntry>? entries = null;
        lock (s_poolGate)
            s_pool.TryPop(out entries);
        return new DirHandle(dir, entries ?? []);
    }

    /// <summary>Gives the entry list back for reuse; the handle is empty afterwards.</summary>
    public void Return()
    {
        List<DirEntry> entries;
        lock (Gate)
        {
            entries = Entries;
            Entries = [];
        }
        if (entries.Capacity > MaxPooledCapacity)
            return;
        entries.Clear(); // drops the node references
        lock (s_poolGate)
        {
            if (s_pool.Count < PoolSize)
                s_pool.Push(entries);
        }
    }
}
