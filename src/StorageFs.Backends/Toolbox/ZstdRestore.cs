using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Toolbox;

/// <summary>
/// Restores a zstd archive frame by frame (RFC 8878 frame and block headers only): a frame made
/// of nothing but RLE blocks of zero bytes (what <see cref="ZstdFrames.Zeros"/> writes for a hole)
/// is skipped, leaving the hole unwritten, and each run of other frames goes through one
/// <c>zstd -d</c>. So a hole costs nothing to restore, as it cost nothing to archive.
/// </summary>
internal static class ZstdRestore
{
    public static void Fill(SafeFileHandle source, long length, RestoreWriter writer, CancellationToken cancellation)
    {
        var tool = CompressorTool.For(ArchiveCompression.Zstd);
        var buffer = new byte[1 << 20];
        ToolRun? run = null;
        try
        {
            for (long at = 0; at < length;)
            {
                cancellation.ThrowIfCancellationRequested();
                var (end, zeros) = Frame(source, at, length);
                if (zeros >= 0)
                {
                    Finish(ref run);
                    writer.Skip(zeros);
                }
                else
                {
                    run ??= ToolRun.Start(tool, tool.Decompress, (b, _) => writer.Append(b.Span), cancellation);
                    for (long p = at; p < end;)
                    {
                        int n = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - p)), p);
                        if (n <= 0)
                        {
                            throw Corrupt(p);
                        }
                        run.Input.Write(buffer, 0, n);
                        p += n;
                    }
                }
                at = end;
            }
            Finish(ref run);
        }
        finally
        {
            run?.Dispose();
        }
    }

    private static void Finish(ref ToolRun? run)
    {
        if (run is { } r)
        {
            run = null;
            using (r)
            {
                r.Finish();
            }
        }
    }

    // The frame starting at `at`: where it ends, and the zero bytes it expands to when it is all
    // zero RLE blocks (else -1). Skippable frames expand to nothing (0).
    private static (long End, long Zeros) Frame(SafeFileHandle source, long at, long length)
    {
        Span<byte> h = stackalloc byte[18];
        int n = RandomAccess.Read(source, h, at);
        if (n < 8)
        {
            throw Corrupt(at);
        }
        uint magic = (uint)(h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24));
        if ((magic & 0xFFFFFFF0u) == 0x184D2A50u)
        {
            return (at + 8 + (uint)(h[4] | (h[5] << 8) | (h[6] << 16) | (h[7] << 24)), 0);
        }
        if (magic != 0xFD2FB528u)
        {
            throw Corrupt(at);
        }
        byte fhd = h[4];
        bool single = (fhd & 0x20) != 0;
        int fcs = (fhd >> 6) switch { 0 => single ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        int dict = (fhd & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        long p = at + 5 + (single ? 0 : 1) + dict + fcs;
        bool zero = true;
        long expanded = 0;
        Span<byte> b = stackalloc byte[4];
        while (true)
        {
            if (p + 3 > length || RandomAccess.Read(source, b, p) < 3)
            {
                throw Corrupt(p);
            }
            uint header = (uint)(b[0] | (b[1] << 8) | (b[2] << 16));
            int type = (int)((header >> 1) & 3);
            long size = header >> 3;
            switch (type)
            {
                case 1: // RLE: one byte, repeated size times
                    zero &= b[3] == 0;
                    expanded += size;
                    p += 4;
                    break;
                case 0 or 2: // raw or compressed: size bytes follow
                    zero = false;
                    p += 3 + size;
                    break;
                default:
                    throw Corrupt(p);
            }
            if ((header & 1) != 0)
            {
                break;
            }
        }
        if ((fhd & 4) != 0)
        {
            p += 4; // content checksum
        }
        return p > length ? throw Corrupt(at) : (p, zero ? expanded : -1);
    }

    private static Core.StorageException Corrupt(long at) =>
        StorageErrors.OperationFailed($"the zstd archive is damaged at byte {at} (a frame or block header is cut or unknown)");
}
