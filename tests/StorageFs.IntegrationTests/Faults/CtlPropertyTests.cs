using System.Runtime.InteropServices;
using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Faults;

/// <summary>
/// As a property: whatever is written to a control file — random commands and
/// words, sizes at the int64 edges with and without units, negative and huge numbers, garbage
/// bytes, invalid UTF-8, very long lines, several lines, random XML to <c>define</c>,
/// <c>create</c> and a pool's <c>create</c> — the write fails only with an errno docs/TREE.md
/// lists for that file, never EIO, and the daemon logs no unhandled exception. Seeded, so a
/// failure replays; a few thousand cases well under a minute. Writes go through libc so the
/// errno is exactly the kernel's answer.
/// </summary>
public sealed class CtlPropertyTests : IDisposable
{
    private const int Seed = 20261204;
    private const int Cases = 4000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);

    private const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EACCES = 13, EBUSY = 16, EEXIST = 17,
        ENOTDIR = 20, EINVAL = 22, EFBIG = 27, ENOSPC = 28, ENOTEMPTY = 39, EOPNOTSUPP = 95;

    private readonly TreeMount _tree = TreeMount.Start();
    private readonly Random _rng = new(Seed);
    private readonly string _pool, _ctlPool, _fspool;
    private int _created;

    public CtlPropertyTests()
    {
        _pool = _tree.NewRunningPool("prop");
        _ctlPool = _tree.NewRunningPool("propctl");
        _fspool = _tree.NewName("propfs");
        _tree.Ok($"""
            echo '<fspool type="dir"><name>{_fspool}</name><target><path>'"$S/pools/{_fspool}"'</path></target></fspool>' > "$M/define"
            echo build > "$M/fspools/{_fspool}/ctl"; echo start > "$M/fspools/{_fspool}/ctl"
            mkdir "$M/fspools/{_fspool}/items/it"
            """);
        EnsureVolume();
    }

    public void Dispose() => _tree.Dispose();

    private string M => _tree.MountPoint;

    [Fact]
    public void RandomInputToEveryControlFile_FailsOnlyWithDocumentedErrnos_NeverEIO_AndNothingUnhandled()
    {
        // Jobs are kept 64 at a time: the clones and wipes below retire the first ones.
        string job = "";
        void NewestJob() => job = Directory.GetDirectories(Path.Combine(M, "jobs")).Select(Path.GetFileName).Last()!;
        NewestJob();
        var targets = new (string Path, Func<byte[]> Input, int[] Allowed, Action? Ensure)[]
        {
            ($"pools/{_pool}/vol/v/ctl", VolumeCommand, [EINVAL, EPERM, EBUSY, EEXIST, EFBIG, ENOSPC, EOPNOTSUPP, ENOENT], EnsureVolume),
            ($"pools/{_ctlPool}/ctl", PoolCommand, [EINVAL, EBUSY, EOPNOTSUPP, ENOENT, ENOTEMPTY, EPERM], EnsureCtlPool),
            ($"pools/{_ctlPool}/autostart", () => Command(Pick(["yes", "no", "yes no", "maybe", "1", "", "YES"])), [EINVAL, EOPNOTSUPP], EnsureCtlPool),
            ($"pools/{_pool}/create", VolumeDocument, [EINVAL, EEXIST, EOPNOTSUPP, ENOSPC, EFBIG], null),
            ($"fspools/{_fspool}/ctl", PoolCommand, [EINVAL, EBUSY, EOPNOTSUPP, ENOENT, ENOTEMPTY, EPERM], EnsureFsPool),
            ($"fspools/{_fspool}/item/it/ctl", ItemCommand, [EINVAL, ENOENT], EnsureItem),
            ("jobs/JOB/ctl", () => Command(Pick(["cancel", "cancel now", "stop", "", "cancel\ncancel"]) + Garbage(0.3)), [EINVAL, EBUSY], NewestJob),
            ("define", () => PoolDocument(transient: false), [EINVAL, EEXIST, EPERM, EFBIG, EOPNOTSUPP], null),
            ("create", () => PoolDocument(transient: true), [EINVAL, EEXIST, EPERM, EFBIG, EOPNOTSUPP, ENOENT, EBUSY, ENOTDIR], null),
        };
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        int cases = 0;
        for (; cases < Cases && clock.Elapsed < Budget && failures.Count < 20; cases++)
        {
            var (at, input, allowed, ensure) = targets[_rng.Next(targets.Length)];
            byte[] bytes = input();
            string path = at.Replace("JOB", job, StringComparison.Ordinal);
            int errno = WriteOnce(Path.Combine(M, path), bytes);
            if (errno == ENOENT && ensure is not null)
            {
                ensure();
                path = at.Replace("JOB", job, StringComparison.Ordinal);
                errno = WriteOnce(Path.Combine(M, path), bytes);
            }
            if (errno != 0 && !allowed.Contains(errno))
                failures.Add($"case {cases}: {path} <- {Show(bytes)}: errno {errno}\n  {LastError()}");
        }

        string log = _tree.Daemon.Log;
        Assert.True(failures.Count == 0, $"seed {Seed}: undocumented errnos after {cases} cases:\n{string.Join('\n', failures)}");
        Assert.True(cases >= 500, $"only {cases} cases ran in {Budget.TotalSeconds} s");
        foreach (string sign in new[] { "failed with an exception", "failed unexpectedly", "answered EIO", "Unhandled" })
            Assert.False(log.Contains(sign, StringComparison.Ordinal), $"the daemon logged \"{sign}\":\n{log}");
        Assert.DoesNotContain($"errno=EIO", _tree.Ok("cat \"$M/errors\""), StringComparison.Ordinal);
    }

    // ---- the object each file acts on, put back when a case removed it ----

    private void EnsureVolume()
    {
        EnsureRunning($"pools/{_pool}");
        if (!File.Exists(Path.Combine(M, "pools", _pool, "volumes", "v")))
            WriteOnce(Path.Combine(M, "pools", _pool, "create"), Encoding.UTF8.GetBytes("<volume><name>v</name><capacity>1048576</capacity></volume>"));
    }

    private void EnsureCtlPool() => EnsureRunning($"pools/{_ctlPool}");

    private void EnsureFsPool() => EnsureRunning($"fspools/{_fspool}");

    private void EnsureItem()
    {
        EnsureFsPool();
        _tree.Sh($"mkdir \"$M/fspools/{_fspool}/items/it\" 2>/dev/null");
    }

    private void EnsureRunning(string at)
    {
        string name = Path.GetFileName(at);
        string kind = at.StartsWith("pools/", StringComparison.Ordinal) ? "pool" : "fspool";
        _tree.Sh($"""
            test -e "$M/{at}" || echo '<{kind} type="dir"><name>{name}</name><target><path>'"$S/pools/{name}"'</path></target></{kind}>' > "$M/define"
            echo build > "$M/{at}/ctl" 2>/dev/null; echo start > "$M/{at}/ctl" 2>/dev/null
            """);
    }

    // ---- generators ----

    private static readonly string[] Units = ["", "b", "bytes", "k", "K", "KiB", "KB", "M", "MiB", "MB", "G", "GiB", "T", "TiB", "P", "PiB", "E", "EiB", "Z", "Y", "x", "iB"];

    private static readonly string[] EdgeNumbers =
    [
        "0", "1", "-1", "511", "512", "4096", "1048576", "2147483647", "2147483648", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999999", "1e30", "0x10", "1.5", ".5", "+5", "007", "1_000", "NaN", "∞",
    ];

    private static readonly string[] Words =
    [
        "start", "stop", "build", "refresh", "undefine", "delete", "wipe", "resize", "clone", "cancel", "overwrite",
        "no-overwrite", "nowait", "allocate", "delta", "shrink", "zero", "trim", "yes", "no", "--", "-", "*", "..", ".", "/",
        "v", "it", "a/b", "é", "\t", "START", "Stop ", "ok",
    ];

    private string Pick(string[] from) => from[_rng.Next(from.Length)];

    private string Size() => _rng.Next(4) switch
    {
        0 => Pick(EdgeNumbers),
        1 => Pick(EdgeNumbers) + Pick(Units),
        2 => _rng.NextInt64(0, 64L << 20).ToString(CultureInfo.InvariantCulture) + Pick(Units),
        _ => Pick(Words),
    };

    private string RandomWord() => _rng.Next(3) switch
    {
        0 => Pick(Words),
        1 => new string(Enumerable.Range(0, _rng.Next(1, 12)).Select(_ => (char)_rng.Next(0x21, 0x7F)).ToArray()),
        _ => Size(),
    };

    private string Garbage(double p) => _rng.NextDouble() < p ? " " + RandomWord() : "";

    private byte[] Command(string text)
    {
        // Now and then: raw bytes (invalid UTF-8, NUL), a very long line, several lines.
        switch (_rng.Next(14))
        {
            case 0:
                var raw = new byte[_rng.Next(1, 64)];
                _rng.NextBytes(raw);
                return raw;
            case 1:
                return Encoding.UTF8.GetBytes(text + " " + new string('9', _rng.Next(100, 6000)));
            case 2:
                return Encoding.UTF8.GetBytes(text + "\n" + text + "\n");
            case 3:
                return [.. Encoding.UTF8.GetBytes(text), 0xFF, 0xFE, (byte)'\n'];
            default:
                return Encoding.UTF8.GetBytes(text + (_rng.Next(2) == 0 ? "\n" : ""));
        }
    }

    private byte[] VolumeCommand()
    {
        string name = _rng.Next(40) == 0 ? "v" : RandomWord();
        string text = _rng.Next(6) switch
        {
            // Only zero and trim: they touch data ranges alone, so a volume grown to terabytes
            // by a random resize is wiped in no time; other words are refused.
            0 => "wipe" + (_rng.Next(3) == 0 ? "" : " " + Pick(["zero", "trim", "gutmannx", "ZERO", "", "zero zero"])),
            // allocate only with small sizes: a random allocation must not fill the disk.
            1 => "resize " + Size() + (_rng.Next(4) == 0 ? " " + Pick(["delta", "shrink", "delta shrink", "allocate 1M", "bogus"]) : ""),
            2 => $"resize {_rng.Next(1, 64)}M allocate",
            3 => "clone " + (_rng.Next(3) == 0 ? $"c{Interlocked.Increment(ref _created)}" : RandomWord()),
            4 => "delete " + name,
            _ => RandomWord() + Garbage(0.5) + Garbage(0.3),
        };
        return Command(text + Garbage(0.1));
    }

    private byte[] PoolCommand()
    {
        string text = _rng.Next(8) switch
        {
            0 => "start", 1 => "stop", 2 => "build " + Pick(["", "overwrite", "no-overwrite", "nowait", "both"]),
            3 => "refresh", 4 => "undefine " + RandomWord(), 5 => "delete " + RandomWord(),
            _ => RandomWord() + Garbage(0.5),
        };
        return Command(text + Garbage(0.1));
    }

    private byte[] ItemCommand() => Command(_rng.Next(3) switch
    {
        0 => "delete " + RandomWord(),
        1 => "delete",
        _ => RandomWord() + Garbage(0.5),
    });

    private string XmlName() => _rng.Next(6) switch
    {
        0 => $"x{_rng.Next(1000)}",
        1 => new string('n', _rng.Next(240, 270)),
        2 => RandomWord(),
        3 => "",
        4 => "a\nb",
        _ => "é" + _rng.Next(100),
    };

    private string XmlPath() => _rng.Next(7) switch
    {
        0 => Path.Combine(_tree.StateDir, "fuzz", $"p{_rng.Next(1000)}"),
        1 => "/etc/storagefs-fuzz",
        2 => "relative/path",
        3 => Path.Combine(_tree.StateDir, "fuzz", "nx", "..", "x"),
        4 => Path.Combine(_tree.StateDir, "config", "pools"),
        5 => Path.Combine(_tree.StateDir, "fuzz", "a\nb"),
        _ => RandomWord(),
    };

    private byte[] PoolDocument(bool transient)
    {
        // create starts what it defines: only dir pools (and unknown types), so no random mount
        // or LVM command ever runs; define only stores, so any type.
        string type = transient ? Pick(["dir", "dir", "bogus", ""]) : Pick(["dir", "fs", "netfs", "logical", "disk", "bogus", "", "DIR"]);
        string root = _rng.Next(10) == 0 ? "fspool" : "pool";
        string doc = $"<{root} type='{type}'><name>{System.Security.SecurityElement.Escape(XmlName())}</name>" +
            (_rng.Next(4) == 0 ? $"<uuid>{RandomWord()}</uuid>" : "") +
            $"<target><path>{System.Security.SecurityElement.Escape(XmlPath())}</path></target></{root}>";
        return Document(doc);
    }

    private byte[] VolumeDocument()
    {
        string capacity = Size();
        // Allocations stay small or impossible: a random one must not fill the disk.
        string allocation = Pick(["0", "1024", "1048576", "9223372036854775807", "-1", "x", "18446744073709551615"]);
        string doc = $"<volume><name>{System.Security.SecurityElement.Escape(XmlName())}</name>" +
            $"<capacity unit='{Pick(Units)}'>{System.Security.SecurityElement.Escape(capacity)}</capacity>" +
            (_rng.Next(3) == 0 ? $"<allocation>{allocation}</allocation>" : "") +
            $"<target><format type='{Pick(["raw", "qcow2", "dir", "vmdk", "bogus", ""])}'/></target></volume>";
        return Document(doc);
    }

    private byte[] Document(string doc)
    {
        switch (_rng.Next(8))
        {
            case 0:
                doc = doc[.._rng.Next(doc.Length)]; // cut short: dropped at close, nothing applied
                break;
            case 1:
                int at = _rng.Next(doc.Length);
                doc = doc[..at] + RandomWord() + doc[at..];
                break;
            case 2:
                int depth = _rng.Next(200, 400);
                doc = doc.Replace("<target>", string.Concat(Enumerable.Repeat("<x>", depth)) + string.Concat(Enumerable.Repeat("</x>", depth)) + "<target>", StringComparison.Ordinal);
                break;
            case 3:
                return [.. Encoding.UTF8.GetBytes(doc[..(doc.Length / 2)]), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(doc[(doc.Length / 2)..])];
        }
        return Encoding.UTF8.GetBytes(doc);
    }

    // ---- plumbing ----

    private string LastError()
    {
        string errors = _tree.Sh("tail -n 1 \"$M/errors\"").Stdout.Trim();
        return errors.Length > 400 ? errors[..400] : errors;
    }

    private static string Show(byte[] bytes)
    {
        string text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 200)).Replace("\n", "\\n", StringComparison.Ordinal);
        return bytes.Length > 200 ? $"{text}… ({bytes.Length} bytes)" : text;
    }

    /// <summary>open(O_WRONLY), one write(2), close: 0 or the errno of the first call that failed.</summary>
    private static int WriteOnce(string path, byte[] bytes)
    {
        int fd = Libc.Open(path, 1 /* O_WRONLY */);
        if (fd < 0)
            return Marshal.GetLastPInvokeError();
        try
        {
            long n = Libc.Write(fd, bytes, bytes.Length);
            return n < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static class Libc
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        public static extern long Write(int fd, byte[] buffer, long count);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }
}
