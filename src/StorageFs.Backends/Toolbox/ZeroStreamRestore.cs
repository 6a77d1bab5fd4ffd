using Microsoft.Win32.SafeHandles;

namespace StorageFs.Backends.Toolbox;

/// <summary>
/// Restores a gzip or xz archive, skipping the zero streams <see cref="ArchiveWriter"/> wrote for
/// holes: each is the exact bytes of <see cref="CompressorTool.ZeroStream"/> (the tool's own
/// stream of <see cref="CompressorTool.SplitHoleBytes"/> zeros, made once per daemon), so it is
/// found by comparing bytes, and the hole it stands for is left unwritten. Every run of other
/// bytes goes through one <c>TOOL -d</c>, which must end cleanly on it: a run that does not end
/// on a stream boundary (those bytes were inside another stream, which only a crafted archive
/// holds) fails the tool, and so the restore, instead of changing what the archive expands to.
/// An archive made elsewhere (another tool version) holds no such bytes and is expanded whole.
/// </summary>
internal static class ZeroStreamRestore
{
    private const int ChunkBytes = 1 << 20;
    private const int KeyBytes = 64;

    public static void Fill(CompressorTool tool, SafeFileHandle source, long length, RestoreWriter writer, CancellationToken cancellation)
    {
        byte[] zeros = tool.ZeroStream(cancellation);
        var key = zeros.AsSpan(0, Math.Min(KeyBytes, zeros.Length)).ToArray();
        var buffer = new byte[ChunkBytes];
        var check = new byte[zeros.Length];
        ToolRun? run = null;
        try
        {
            for (long at = 0; at < length;)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(ChunkBytes, length - at)), at);
                if (n <= 0)
                {
                    break;
                }
                int found = Find(source, length, buffer.AsSpan(0, n), at, key, zeros, check);
                if (found < 0)
                {
                    // The last bytes may start a zero stream that the next chunk completes.
                    int keep = at + n >= length ? 0 : Math.Min(n - 1, key.Length - 1);
                    Feed(ref run, tool, writer, buffer.AsSpan(0, n - keep), cancellation);
                    at += n - keep;
                    continue;
                }
                Feed(ref run, tool, writer, buffer.AsSpan(0, found), cancellation);
                Finish(ref run);
                at += found;
                while (at + zeros.Length <= length && Matches(source, at, zeros, check))
                {
                    cancellation.ThrowIfCancellationRequested();
                    writer.Skip(CompressorTool.SplitHoleBytes);
                    at += zeros.Length;
                }
            }
            Finish(ref run);
        }
        finally
        {
            run?.Dispose();
        }
    }

    // The first offset in `chunk` (read at `at`) where a whole zero stream starts, or -1.
    private static int Find(SafeFileHandle source, long length, ReadOnlySpan<byte> chunk, long at, byte[] key, byte[] zeros, byte[] check)
    {
        for (int from = 0; from < chunk.Length;)
        {
            int i = chunk[from..].IndexOf(key);
            if (i < 0)
            {
                return -1;
            }
            int candidate = from + i;
            if (at + candidate + zeros.Length <= length && Matches(source, at + candidate, zeros, check))
            {
                return candidate;
            }
            from = candidate + 1;
        }
        return -1;
    }

    private static bool Matches(SafeFileHandle source, long at, byte[] zeros, byte[] check)
    {
        int n = RandomAccess.Read(source, check, at);
        return n == zeros.Length && check.AsSpan().SequenceEqual(zeros);
    }

    private static void Feed(ref ToolRun? run, CompressorTool tool, RestoreWriter writer, ReadOnlySpan<byte> bytes, CancellationToken cancellation)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        run ??= ToolRun.Start(tool, tool.Decompress, (b, _) => writer.Append(b.Span), cancellation);
        try
        {
            run.Input.Write(bytes);
        }
        catch (IOException)
        {
            // The tool stopped reading (a damaged stream, or the writer refused more bytes):
            // Finish reports why.
            Finish(ref run);
            throw Core.Backend.StorageErrors.OperationFailed($"'{tool.Program} -d' stopped reading the archive");
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
}
