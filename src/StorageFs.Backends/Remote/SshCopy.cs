using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.Remote;

/// <summary>
/// Host-to-host copy over OpenSSH (docs/CLUSTER.md "Host-to-host copy"). No protocol of our
/// own: <c>ssh HOST sh -c SCRIPT</c> runs a few lines of POSIX shell on the other host that
/// make or read the volume through that host's tree (<c>/storage/pools/P/volumes/V</c>, as any
/// program there would), with <c>zstd</c> at both ends of the wire. A new volume is made with
/// O_EXCL (a taken name: EEXIST, never touched) and removed by the other host itself when its
/// zstd stream ends short or fails: a cut link, a cancelled job or a local error leave nothing
/// there (not resumable: a new copy starts again).
/// </summary>
public sealed class SshCopy(SshCopyOptions options) : IRemoteCopy
{
    private const int ChunkBytes = 1 << 20;

    // Exit statuses of the scripts, mapped back to errnos.
    private const int NoPool = 3, Taken = 4, NoVolume = 5, Failed = 6;

    // $1 tree, $2 pool, $3 volume. The volume is made empty with O_EXCL (noclobber), then filled
    // by zstd (--sparse: zeros are skipped with a seek, the tree grows the raw volume). A failed
    // copy is deleted through the volume's ctl, which waits for zstd's open to be released (the
    // kernel releases it after zstd has exited; an rm at once could meet it, EBUSY); rm if not.
    private const string ReceiveScript = """
        d="$1/pools/$2/volumes"; f="$d/$3"
        [ -d "$d" ] || { echo "no running pool '$2' in $1 on $(hostname)" >&2; exit 3; }
        (set -C; : > "$f") 2>/dev/null || { echo "volume '$3' exists in pool '$2' on $(hostname) (or cannot be made there)" >&2; exit 4; }
        zstd -q -d -c --sparse >| "$f" && exit 0
        printf 'delete %s\n' "$3" 2>/dev/null > "$1/pools/$2/vol/$3/ctl" || rm -f "$f"
        if [ -e "$f" ]; then
          echo "the copy into volume '$3' of pool '$2' on $(hostname) failed, and the partial volume could not be removed there" >&2
        else
          echo "the copy into volume '$3' of pool '$2' on $(hostname) failed: removed it" >&2
        fi
        exit 6
        """;

    private const string SendScript = """
        f="$1/pools/$2/volumes/$3"
        [ -d "$1/pools/$2/volumes" ] || { echo "no running pool '$2' in $1 on $(hostname)" >&2; exit 3; }
        [ -f "$f" ] || { echo "no volume '$3' in pool '$2' on $(hostname)" >&2; exit 5; }
        exec zstd -q -c -T0 < "$f"
        """;

    // zstd, gzip and xz archives are expanded on the way in (zstd -d -f passes anything else
    // through as it is); lzop's format zstd cannot read.
    private static readonly byte[] LzopMagic = [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <inheritdoc/>
    public RemoteCopyStats Send(SafeFileHandle source, long length, RemotePlace to, ArchiveCompression? archive,
        IOperationProgress progress, CancellationToken cancellation)
    {
        var stages = new List<ProcessChain.Stage>();
        if (archive is { } kind)
        {
            var (program, args) = Compressor(kind);
            stages.Add(new(program, args, (code, err) => Tool(program, code, err)));
        }
        stages.Add(new("zstd", ["-q", "-c", "-T0", $"-{options.Level}"], (code, err) => Tool("zstd", code, err)));
        stages.Add(Ssh(to, ReceiveScript));
        progress.SetTotal((ulong)length);
        var relayed = ProcessChain.Run(stages, stages.Count - 1,
            async (writer, token) =>
            {
                for (long at = 0; at < length;)
                {
                    var memory = writer.GetMemory(ChunkBytes);
                    int n = RandomAccess.Read(source, memory.Span[..(int)Math.Min(memory.Length, length - at)], at);
                    if (n <= 0)
                    {
                        throw StorageErrors.OperationFailed($"the volume ended at {at} of its {length} bytes while it was read");
                    }
                    writer.Advance(n);
                    at += n;
                    progress.Report((ulong)at);
                    if ((await writer.FlushAsync(token).ConfigureAwait(false)).IsCompleted)
                    {
                        break;
                    }
                }
            },
            async (reader, token) =>
            {
                // ssh prints nothing on success; read it to its end.
                while (true)
                {
                    var result = await reader.ReadAsync(token).ConfigureAwait(false);
                    reader.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
            },
            cancellation);
        return new RemoteCopyStats(length, relayed[^1]);
    }

    /// <inheritdoc/>
    public RemoteCopyStats Receive(RemotePlace from, SafeFileHandle target, long length,
        IOperationProgress progress, CancellationToken cancellation)
    {
        // Zero it all first, cheaply where the file system or device can (a hole, a discard that
        // reads back zeros, an unwritten range), else by writing zeros; then only non-zero
        // chunks are written.
        const int FALLOC_FL_ZERO_RANGE = 0x10;
        if (HostTools.LocalNative.Fallocate(target, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 0, length) != 0 &&
            HostTools.LocalNative.Fallocate(target, FALLOC_FL_ZERO_RANGE, 0, length) != 0)
        {
            var zeros = new byte[ChunkBytes];
            for (long at = 0; at < length; at += ChunkBytes)
            {
                cancellation.ThrowIfCancellationRequested();
                RandomAccess.Write(target, zeros.AsSpan(0, (int)Math.Min(ChunkBytes, length - at)), at);
            }
        }
        progress.SetTotal((ulong)length);
        long written = 0;
        var stages = new List<ProcessChain.Stage>
        {
            Ssh(from, SendScript),
            new("zstd", ["-q", "-d", "-c"], (code, err) => Tool("zstd", code, err)),
            new("zstd", ["-q", "-d", "-c", "-f"], (code, err) => Tool("zstd (expanding the archive)", code, err)),
        };
        var relayed = ProcessChain.Run(stages, 0,
            async (writer, _) => await writer.CompleteAsync().ConfigureAwait(false),
            async (reader, token) =>
            {
                while (true)
                {
                    var result = await reader.ReadAsync(token).ConfigureAwait(false);
                    var buffer = result.Buffer;
                    if (written == 0 && buffer.Length < LzopMagic.Length && !result.IsCompleted)
                    {
                        reader.AdvanceTo(buffer.Start, buffer.End);
                        continue;
                    }
                    if (written == 0 && buffer.Length >= LzopMagic.Length && buffer.Slice(0, LzopMagic.Length).ToArray().AsSpan().SequenceEqual(LzopMagic))
                    {
                        throw StorageErrors.NoSupport($"'{from}' is an lzop archive, which a restore from another host cannot expand: restore it there, or archive it with zstd");
                    }
                    foreach (var segment in buffer)
                    {
                        if (written + segment.Length > length)
                        {
                            throw new StorageException(ErrorCode.OperationFailed,
                                $"'{from}' holds more than the volume's {length} bytes: restore it into a volume at least as large", osErrno: (int)Errno.ENOSPC);
                        }
                        if (segment.Span.ContainsAnyExcept((byte)0))
                        {
                            RandomAccess.Write(target, segment.Span, written);
                        }
                        written += segment.Length;
                    }
                    progress.Report((ulong)written);
                    reader.AdvanceTo(buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
            },
            cancellation);
        HostTools.LocalNative.DataSync(target, from.ToString());
        return new RemoteCopyStats(written, relayed[0]);
    }

    private static (string Program, string[] Arguments) Compressor(ArchiveCompression kind) => kind switch
    {
        ArchiveCompression.Zstd => ("zstd", ["-q", "-c", "-T0"]),
        ArchiveCompression.Gzip => ("gzip", ["-c", "-n"]),
        ArchiveCompression.Lzop => ("lzop", ["-c"]),
        ArchiveCompression.Xz => ("xz", ["-c", "-T0"]),
        _ => throw StorageErrors.NoSupport($"unknown compressor {kind}"),
    };

    private ProcessChain.Stage Ssh(RemotePlace place, string script)
    {
        var args = new List<string>();
        if (options.ConfigFile is { } config)
        {
            args.AddRange(["-F", config]);
        }
        // BatchMode: never a password prompt; ServerAlive: a cut link ends the copy in ~30 s.
        args.AddRange(["-o", "BatchMode=yes", "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3"]);
        if (place.Port is { } port)
        {
            args.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }
        if (place.User is { } user)
        {
            args.AddRange(["-l", user]);
        }
        // The command is one string the other host's login shell reads: every part quoted.
        args.AddRange(["--", place.Host, $"sh -c {Quote(script)} storagefs {Quote(options.RemoteTree)} {Quote(place.Pool)} {Quote(place.Name)}"]);
        return new("ssh", args, (code, err) => SshFailed(place, code, err));
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static StorageException SshFailed(RemotePlace place, int code, string err)
    {
        string said = LastLine(err);
        return code switch
        {
            NoPool => StorageErrors.NoPool($"{place}: {said}"),
            Taken => new StorageException(ErrorCode.VolExists, $"{place}: {said}"),
            NoVolume => StorageErrors.NoVolume($"{place}: {said}"),
            Failed => StorageErrors.OperationFailed($"{place}: {said}"),
            255 => new StorageException(ErrorCode.OperationFailed, $"ssh to {place.Host} failed: {(said.Length > 0 ? said : "no connection")}", osErrno: (int)Errno.EHOSTUNREACH),
            _ => StorageErrors.OperationFailed($"{place}: the command on {place.Host} failed (exit {code}){(said.Length > 0 ? ": " + said : "")}"),
        };
    }

    private static StorageException Tool(string program, int code, string err) =>
        StorageErrors.OperationFailed($"'{program}' failed (exit {code}){(err.Length > 0 ? ": " + LastLine(err) : "")}");

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } lines ? lines[^1] : "";
}
