using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Dir;

/// <summary>
/// Runs qemu-img (argv from QemuImgCommandBuilder, or info/resize) the way libvirt's
/// virCommandRun does: no shell, stderr kept for the message ("Child process (…) unexpected
/// exit status N: …"), killed when the caller cancels. Parses <c>-p</c> progress
/// ("(12.50/100%)") and <c>info --output=json</c>.
/// </summary>
internal sealed class QemuImgTool
{
    public QemuImgTool(string program = "qemu-img")
    {
        Program = program;
    }

    public string Program { get; }

    /// <summary>Runs <paramref name="argv"/> (argv[0] replaced by <see cref="Program"/>) and
    /// returns stdout; <paramref name="progress"/> receives percentages from <c>-p</c> output.</summary>
    public string Run(IReadOnlyList<string> argv, CancellationToken cancellation, Action<double>? progress = null)
    {
        var psi = new ProcessStartInfo(Program)
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
            throw StorageErrors.Internal($"Cannot find '{Program}' in path: {e.Message}");
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
            var limit = Tools.ToolTimeouts.For([Program, .. argv.Skip(1)]);
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
                throw Tools.ToolTimeouts.TimedOut([Program, .. argv.Skip(1)], limit);
            }
            if (process.ExitCode != 0)
            {
                var err = stderr.GetAwaiter().GetResult().Trim();
                throw StorageErrors.Internal(
                    $"Child process ({string.Join(' ', argv.Skip(1).Prepend(Program))}) unexpected exit status {process.ExitCode}: {err}");
            }
            return stdout.ToString();
        }
    }

    /// <summary><c>qemu-img info --output=json [-f format] path</c>.</summary>
    public QemuImageInfo Info(string path, string? format, CancellationToken cancellation = default)
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
            return new QemuImageInfo(
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
