using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.Toolbox;

/// <summary>
/// Writes a restored stream into a target already zeroed: all-zero 4 KiB blocks are skipped
/// (they stay holes or discarded blocks), and nothing may go past the target's length (ENOSPC: the
/// source expands to more than the volume holds).
/// </summary>
internal sealed class RestoreWriter(SafeFileHandle target, long length, IOperationProgress progress)
{
    private const int BlockBytes = 4096;

    private long _at;

    /// <summary>Bytes written so far (the end of the restored data).</summary>
    public long Position => _at;

    public void Append(ReadOnlySpan<byte> bytes) => WriteAt(_at, bytes);

    /// <summary>Leaves <paramref name="bytes"/> zero bytes unwritten (they read as zeros already).</summary>
    public void Skip(long bytes)
    {
        if (_at + bytes > length)
        {
            throw TooLarge();
        }
        _at += bytes;
        progress.Report((ulong)_at);
    }

    public void WriteAt(long offset, ReadOnlySpan<byte> bytes)
    {
        if (offset + bytes.Length > length)
        {
            throw TooLarge();
        }
        // Only the blocks (aligned in the target) that hold a non-zero byte are written; a run
        // of such blocks is one write.
        for (int i = 0; i < bytes.Length;)
        {
            int data = bytes[i..].IndexOfAnyExcept((byte)0);
            if (data < 0)
            {
                break;
            }
            int first = i + data;
            int start = (int)Math.Max(i, first - ((offset + first) % BlockBytes));
            int end = (int)Math.Min(bytes.Length, first + BlockBytes - ((offset + first) % BlockBytes));
            while (end < bytes.Length)
            {
                int next = Math.Min(bytes.Length, end + BlockBytes);
                if (!bytes[end..next].ContainsAnyExcept((byte)0))
                {
                    break;
                }
                end = next;
            }
            RandomAccess.Write(target, bytes[start..end], offset + start);
            i = end;
        }
        _at = offset + bytes.Length;
        progress.Report((ulong)_at);
    }

    private Core.StorageException TooLarge() => new(Core.ErrorCode.OperationFailed,
        $"the source holds more than the volume's {length} bytes: restore it into a volume at least as large",
        osErrno: (int)Errno.ENOSPC);
}
