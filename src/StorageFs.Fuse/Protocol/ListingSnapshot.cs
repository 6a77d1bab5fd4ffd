using System.Text;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// The last large numbered listing of a directory (<see cref="INodeVersionedReadDir"/>), kept
/// beside its <see cref="ListingCache"/>: the next OPENDIR whose listing has the same number
/// copies these entries instead of having the node list them again, and plain READDIR replies
/// are slices of <see cref="Plain"/>, the whole listing packed once as fuse_dirent records
/// (offset i + 1 for entry i, "." and ".." first), instead of encoding every name per reply.
/// Immutable once published; <see cref="Plain"/> is packed at the first plain READDIR. The
/// entries' nodes, if any, stay referenced while the copy is kept (volumes/ lists without nodes).
/// </summary>
internal sealed class ListingSnapshot(ulong version, DirEntry[] entries)
{
    private PackedListing? _plain;

    public ulong Version { get; } = version;

    /// <summary>Every entry, "." and ".." included, in offset order.</summary>
    public DirEntry[] Entries { get; } = entries;

    /// <summary>The records packed, once; <paramref name="ino"/> gives each entry's inode number.</summary>
    public PackedListing Plain(Func<DirEntry, ulong> ino)
    {
        if (Volatile.Read(ref _plain) is { } packed)
            return packed;
        packed = Pack(ino);
        return Interlocked.CompareExchange(ref _plain, packed, null) ?? packed;
    }

    private PackedListing Pack(Func<DirEntry, ulong> ino)
    {
        var starts = new int[Entries.Length + 1];
        int total = 0;
        for (int i = 0; i < Entries.Length; i++)
        {
            starts[i] = total;
            total += Dirent.RecordLength(Dirent.Size, Encoding.UTF8.GetByteCount(Entries[i].Name));
        }
        starts[Entries.Length] = total;
        var records = new byte[total]; // zeroed: the padding
        for (int i = 0; i < Entries.Length; i++)
        {
            DirEntry e = Entries[i];
            Span<byte> rec = records.AsSpan(starts[i], starts[i + 1] - starts[i]);
            int nameLen = Encoding.UTF8.GetBytes(e.Name, rec[Dirent.Size..]);
            Dirent.Put(rec, ino(e), (ulong)i + 1, nameLen, e.Mode);
        }
        return new PackedListing(records, starts);
    }
}

/// <summary>A listing packed as fuse_dirent records: record i spans Starts[i] to Starts[i + 1].</summary>
internal sealed class PackedListing(byte[] records, int[] starts)
{
    /// <summary>
    /// Copies the records from entry <paramref name="index"/> on that fit whole in
    /// <paramref name="buffer"/>; the bytes written.
    /// </summary>
    public int CopyFrom(long index, Span<byte> buffer)
    {
        int count = starts.Length - 1;
        if (index >= count)
            return 0;
        int start = starts[index];
        // The last record boundary within the buffer: a binary search over the starts.
        int lo = (int)index, hi = count;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] - start <= buffer.Length)
                lo = mid;
            else
                hi = mid - 1;
        }
        int length = starts[lo] - start;
        records.AsSpan(start, length).CopyTo(buffer);
        return length;
    }
}
