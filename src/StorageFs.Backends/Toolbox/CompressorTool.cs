using System.Collections.Concurrent;
using System.Diagnostics;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Toolbox;

/// <summary>
/// One compressor command line tool: how to run it each way, the magic its stream starts with,
/// and whether its streams may be concatenated (zstd frames, gzip members and xz streams may:
/// the tool's decompressor outputs them one after the other; lzop warns about a multipart
/// archive, so an lzop archive is always one stream). Levels are the tools' defaults, as a
/// host pipeline (<c>dd … | zstd</c>) would use them.
/// </summary>
internal sealed record CompressorTool(ArchiveCompression Kind, string Program, string[] Compress, string[] Decompress, byte[] Magic, bool Concatenates)
{
    /// <summary>A hole at least this long ends the tool's stream; the hole is written as
    /// ready-made zero streams and the next data starts a new stream. Shorter holes are fed to
    /// the tool as zeros (they cost what the tool spends on zeros, faster than starting it).</summary>
    public const long SplitHoleBytes = 64L << 20;

    private static readonly ConcurrentDictionary<ArchiveCompression, byte[]> ZeroStreams = new();

    public static readonly IReadOnlyList<CompressorTool> All =
    [
        new(ArchiveCompression.Zstd, "zstd", ["-q", "-c", "-T0"], ["-q", "-d", "-c"], [0x28, 0xB5, 0x2F, 0xFD], true),
        new(ArchiveCompression.Gzip, "gzip", ["-c", "-n"], ["-d", "-c"], [0x1F, 0x8B], true),
        new(ArchiveCompression.Lzop, "lzop", ["-c"], ["-d", "-c"], [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A], false),
        new(ArchiveCompression.Xz, "xz", ["-c", "-T0"], ["-d", "-c"], [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], true),
    ];

    /// <summary>The tool for <paramref name="kind"/>.</summary>
    public static CompressorTool For(ArchiveCompression kind) => All.First(t => t.Kind == kind);

    /// <summary>The lower-case name used in commands and info ("zstd").</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>The tool is on PATH.</summary>
    public bool Installed => HostTools.HostSupport.OnPath(Program);

    /// <summary>True when <paramref name="head"/> starts with this tool's stream (zstd: also a
    /// skippable frame, 0x184D2A5?).</summary>
    public bool Matches(ReadOnlySpan<byte> head) =>
        head.StartsWith(Magic) || (Kind == ArchiveCompression.Zstd && head.Length >= 4 &&
            (head[0] & 0xF0) == 0x50 && head[1] == 0x2A && head[2] == 0x4D && head[3] == 0x18);

    /// <summary>
    /// A complete stream that expands to <see cref="SplitHoleBytes"/> zero bytes, made by the tool
    /// once per daemon (zstd's is built here: RLE blocks, four bytes per 128 KiB).
    /// </summary>
    public byte[] ZeroStream(CancellationToken cancellation) =>
        Kind == ArchiveCompression.Zstd ? ZstdFrames.Zeros(SplitHoleBytes) : ZeroStreams.GetOrAdd(Kind, _ => RunOnZeros(cancellation));

    private byte[] RunOnZeros(CancellationToken cancellation)
    {
        using var output = new MemoryStream();
        using var run = ToolRun.Start(this, Compress, (b, _) => output.Write(b.Span), cancellation);
        var zeros = new byte[1 << 20];
        for (long i = 0; i < SplitHoleBytes; i += zeros.Length)
        {
            run.Input.Write(zeros);
        }
        run.Finish();
        return output.ToArray();
    }
}
