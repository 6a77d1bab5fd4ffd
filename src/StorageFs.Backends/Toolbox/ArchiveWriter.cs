using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Toolbox;

/// <summary>
/// Streams a source through a compressor into an open destination: data ranges are read and
/// piped to the tool; a short hole is piped as zeros; a hole of at least
/// <see cref="CompressorTool.SplitHoleBytes"/> ends the tool's stream and is written as ready-made
/// zero streams (for the tools whose streams concatenate), so a mostly empty volume archives in
/// about the time of its data. Nothing is staged: the only file written is the destination.
/// </summary>
internal sealed class ArchiveWriter
{
    private const int ChunkBytes = 1 << 20;
    private static readonly byte[] Zeros = new byte[ChunkBytes];

    private readonly CompressorTool _tool;
    private readonly SafeFileHandle _destination;
    private readonly CancellationToken _cancellation;
    private long _written;
    private ToolRun? _run;

    public ArchiveWriter(CompressorTool tool, SafeFileHandle destination, CancellationToken cancellation)
    {
        _tool = tool;
        _destination = destination;
        _cancellation = cancellation;
    }

    /// <summary>Archives <paramref name="source"/>; returns the bytes written to the destination.</summary>
    public long Write(SafeFileHandle source, IOperationProgress progress)
    {
        var (length, sparse) = HoleMap.Measure(source);
        progress.SetTotal((ulong)length);
        var buffer = new byte[ChunkBytes];
        long at = 0;
        try
        {
            foreach (var (start, end) in HoleMap.Ranges(source, length, sparse))
            {
                Hole(start - at);
                for (at = start; at < end;)
                {
                    _cancellation.ThrowIfCancellationRequested();
                    int n = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(ChunkBytes, end - at)), at);
                    if (n <= 0)
                    {
                        throw StorageErrors.OperationFailed($"the source ended at byte {at} of {length} while it was archived");
                    }
                    Feed(buffer.AsSpan(0, n));
                    at += n;
                    progress.Report((ulong)at);
                }
            }
            Hole(length - at);
            if (_run is null && _written == 0)
            {
                Start(); // an empty source still gets a valid (empty) stream
            }
            EndStream();
            progress.Report((ulong)length);
            return _written;
        }
        finally
        {
            _run?.Dispose();
        }
    }

    private void Hole(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }
        if (_tool.Concatenates && bytes >= CompressorTool.SplitHoleBytes)
        {
            EndStream();
            var zeros = _tool.ZeroStream(_cancellation);
            for (; bytes >= CompressorTool.SplitHoleBytes; bytes -= CompressorTool.SplitHoleBytes)
            {
                _cancellation.ThrowIfCancellationRequested();
                Append(zeros);
            }
        }
        for (; bytes > 0; bytes -= ChunkBytes)
        {
            _cancellation.ThrowIfCancellationRequested();
            Feed(Zeros.AsSpan(0, (int)Math.Min(ChunkBytes, bytes)));
        }
    }

    private void Feed(ReadOnlySpan<byte> bytes)
    {
        if (_run is null)
        {
            Start();
        }
        try
        {
            _run!.Input.Write(bytes);
        }
        catch (IOException)
        {
            // The tool died: Finish reports its exit status and message.
            EndStream();
            throw StorageErrors.OperationFailed($"'{_tool.Program}' stopped reading its input");
        }
    }

    private void Start() =>
        _run = ToolRun.Start(_tool, _tool.Compress, (b, _) => Append(b.Span), _cancellation);

    private void EndStream()
    {
        if (_run is { } run)
        {
            _run = null;
            using (run)
            {
                run.Finish();
            }
        }
    }

    // Called by one tool's reader at a time (a stream ends before the next starts).
    private void Append(ReadOnlySpan<byte> bytes)
    {
        RandomAccess.Write(_destination, bytes, _written);
        _written += bytes.Length;
    }
}
