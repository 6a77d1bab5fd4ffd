using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// Runs qemu-img (argv from QemuImgCommandBuilder, or info/resize) the way libvirt's
/// virCommandRun does: no shell, killed when the caller cancels. A failure is one sentence
/// ("qemu-img convert failed (exit status 1): No space left on device; details in the log"),
/// its errno read from what qemu-img wrote, which goes to the log. Parses <c>-p</c> progress
/// ("(12.50/100%)") and <c>info --output=json</c>.
/// </summary>
internal sealed class QemuImgTool
{
    private readonly ILogger _log;

    public QemuImgTool(string program = "qemu-img", ILogger? logger = null)
    {
        Program = program;
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<QemuImgTool>();
    }

    public string Program { get; }

    /// <summary>The volume formats only qemu-img can create (everything the file backends offer
    /// but raw, dir and ploop, which are written natively).</summary>
    public static readonly IReadOnlySet<string> Formats = new HashSet<string>(StringComparer.Ordinal)
    {
        "qcow2", "vmdk", "vdi", "vpc", "qed", "qcow",
    };

    /// <summary>True when <see cref="Program"/> can be run here.</summary>
    public bool IsAvailable => HostSupport.Find(Program) is not null;

    /// <summary>Why qemu-img formats are not offered here (empty when they are).</summary>
    public string Missing => IsAvailable ? "" : $"'{Program}' not found (Debian package qemu-utils): no {string.Join(", ", Formats)} volumes";

    /// <summary>The formats of <paramref name="offered"/> this host can create: without
    /// qemu-img, <see cref="Formats"/> are left out.</summary>
    public IReadOnlyList<string> Creatable(IReadOnlyList<string> offered) =>
        IsAvailable ? offered : [.. offered.Where(f => !Formats.Contains(f))];

    /// <summary>EOPNOTSUPP naming the missing tool, for an operation that needs it.</summary>
    public StorageException NotInstalled(string what) =>
        StorageErrors.NoSupport($"{what} needs '{Program}', which is not installed on this host (Debian package qemu-utils)");

    /// <summary>Runs <paramref name="argv"/> (argv[0] replaced by <see cref="Program"/>) and
    /// returns stdout; <paramref name="progress"/> receives percentages from <c>-p</c> output.</summary>
    public string Run(IReadOnlyList<string> argv, CancellationToken cancellation, Action<double>? progress = null)
    {
        var executable = HostSupport.Find(Program) ?? throw NotInstalled($"'{(argv.Count > 1 ? argv[1] : "qemu-img")}'");
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["LC_ALL"] = "C";
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw StorageErrors.Internal($"cannot run {Program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw NotInstalled($"'{(argv.Count > 1 ? argv[1] : "qemu-img")}' ({e.Message})");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var stdout = new StringBuilder();
            using var registration = cancellation.Register(() =>
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            });
            var limit = ToolTimeouts.For([Program, .. argv.Skip(1)]);
            bool timedOut = false;
            using var timer = new Timer(_ =>
            {
                timedOut = true;
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }, null, limit, Timeout.InfiniteTimeSpan);
            var buffer = new char[4096];
            int n;
            var pending = new StringBuilder();
            while ((n = process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
            {
                stdout.Append(buffer, 0, n);
                if (progress is not null)
                {
                    pending.Append(buffer, 0, n);
                    ReportProgress(pending, progress);
                }
            }
            process.WaitForExit();
            timer.Dispose();
            cancellation.ThrowIfCancellationRequested();
            if (timedOut && process.ExitCode != 0)
            {
                throw ToolTimeouts.TimedOut([Program, .. argv.Skip(1)], limit);
            }
            if (process.ExitCode != 0)
            {
                var err = stderr.GetAwaiter().GetResult().Trim();
                string[] ran = [Program, .. argv.Skip(1)];
                _log.Warning("{Command} exited with status {ExitCode}: {Stderr}", CommandRunnerExtensions.CommandLineText(ran), process.ExitCode, err);
                // qemu-img reports a failed system call with its strerror text: keep the errno
                // the caller must see (a full disk is ENOSPC, not an internal error).
                if (err.Contains("lock\nIs another process using the image", StringComparison.Ordinal) ||
                    err.Contains("Failed to get \"write\" lock", StringComparison.Ordinal) ||
                    err.Contains("Failed to get shared \"write\" lock", StringComparison.Ordinal))
                {
                    // Another process holds the image's lock (qemu's OFD locks): in use, not broken.
                    throw new StorageException(ErrorCode.Busy,
                        CommandRunnerExtensions.FailureSentence(ran, process.ExitCode, reason: "another process holds the image's lock"));
                }
                throw KnownError(err) is var (text, errno)
                    ? new StorageException(ErrorCode.OperationFailed, CommandRunnerExtensions.FailureSentence(ran, process.ExitCode, reason: text), errno)
                    : StorageErrors.Internal(CommandRunnerExtensions.FailureSentence(ran, process.ExitCode));
            }
            return stdout.ToString();
        }
    }

    /// <summary><c>qemu-img info --output=json [-f format] path</c>.</summary>
    public ImageInfoReport Info(string path, string? format, CancellationToken cancellation = default)
    {
        var argv = new List<string> { Program, "info", "--output=json", "-U" };
        if (format is not null)
        {
            argv.AddRange(["-f", format]);
        }
        argv.Add(path);
        var json = Run(argv, cancellation);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string? compat = null;
            if (root.TryGetProperty("format-specific", out var specific) &&
                specific.TryGetProperty("data", out var data) &&
                data.TryGetProperty("compat", out var c))
            {
                compat = c.GetString();
            }
            return new ImageInfoReport(
                root.GetProperty("format").GetString() ?? "raw",
                root.GetProperty("virtual-size").GetUInt64(),
                root.TryGetProperty("actual-size", out var actual) ? actual.GetUInt64() : 0,
                root.TryGetProperty("full-backing-filename", out var full) ? full.GetString()
                    : root.TryGetProperty("backing-filename", out var bf) ? bf.GetString() : null,
                root.TryGetProperty("backing-filename-format", out var bff) ? bff.GetString() : null,
                compat);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw StorageErrors.Internal($"cannot parse qemu-img info of '{path}': {e.Message}");
        }
    }

    private static readonly (string Text, int Errno)[] KnownErrors =
    [
        ("No space left on device", 28), ("Disk quota exceeded", 122), ("File too large", 27),
        ("Permission denied", 13), ("Read-only file system", 30),
    ];

    private static (string Text, int Errno)? KnownError(string stderr)
    {
        foreach (var known in KnownErrors)
        {
            if (stderr.Contains(known.Text, StringComparison.Ordinal))
            {
                return known;
            }
        }
        return null;
    }

    // qemu-img -p writes "    (12.50/100%)\r" repeatedly.
    private static void ReportProgress(StringBuilder pending, Action<double> progress)
    {
        var text = pending.ToString();
        int close = text.LastIndexOf("/100%)", StringComparison.Ordinal);
        if (close < 0)
        {
            return;
        }
        int open = text.LastIndexOf('(', close);
        if (open >= 0 && double.TryParse(text.AsSpan(open + 1, close - open - 1), NumberStyles.Float,
                CultureInfo.InvariantCulture, out var percent))
        {
            progress(percent);
        }
        pending.Remove(0, close + 6);
    }
}
