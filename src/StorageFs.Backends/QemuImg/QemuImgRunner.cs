using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Serilog;
using StorageFs.Core;

namespace StorageFs.Backends.QemuImg;

/// <summary>
/// Runs qemu-img (qemu-utils) for the dir pool: argument lists from
/// <see cref="QemuImgArguments"/>, JSON output parsed with System.Text.Json, failures as
/// libvirt's "Child process (…) unexpected exit status N: &lt;stderr&gt;". Each call is one
/// process; nothing is shared, so calls may run concurrently. Cancellation kills the
/// process; what it had written is left for the caller to remove.
/// </summary>
public sealed partial class QemuImgRunner
{
    private readonly ILogger _log;

    public QemuImgRunner(ILogger logger, string executable = "qemu-img")
    {
        _log = logger.ForContext<QemuImgRunner>();
        Executable = executable;
    }

    public string Executable { get; }

    public async Task<QemuImgInfo> InfoAsync(string path, string? format = null, CancellationToken cancellationToken = default)
    {
        ToolProcess.Result result = (await RunAsync(QemuImgArguments.Info(path, format), null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        using JsonDocument json = Parse(result);
        JsonElement root = json.RootElement;
        JsonElement? data = root.TryGetProperty("format-specific", out JsonElement specific) && specific.TryGetProperty("data", out JsonElement d) ? d : null;
        return new QemuImgInfo(
            root.GetProperty("format").GetString()!,
            root.GetProperty("virtual-size").GetInt64(),
            Int64(root, "actual-size"),
            String(root, "backing-filename"),
            String(root, "backing-filename-format"),
            String(root, "full-backing-filename"),
            Int64(root, "cluster-size"),
            data is { } c ? String(c, "compat") : null,
            data is { } l && l.TryGetProperty("lazy-refcounts", out JsonElement lazy) ? lazy.GetBoolean() : null,
            root.TryGetProperty("encrypted", out JsonElement encrypted) && encrypted.GetBoolean(),
            root.TryGetProperty("dirty-flag", out JsonElement dirty) ? dirty.GetBoolean() : null);
    }

    public async Task CreateAsync(
        string format,
        string path,
        ulong capacityBytes,
        QemuImgImageOptions options,
        string? backingPath = null,
        string? backingFormat = null,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> args = QemuImgArguments.Create(format, path, capacityBytes, options, backingPath, backingFormat);
        (await RunAsync(args, null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
    }

    public async Task ResizeAsync(string path, ulong capacityBytes, bool shrink, string? format = null, CancellationToken cancellationToken = default) =>
        (await RunAsync(QemuImgArguments.Resize(path, capacityBytes, shrink, format), null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();

    /// <summary>
    /// Copies <paramref name="inputPath"/> into a new image. With <paramref name="progress"/>,
    /// qemu-img's "-p" output ("    (42.00/100%)\r") is reported as a fraction 0..1.
    /// </summary>
    public async Task ConvertAsync(
        string inputFormat,
        string inputPath,
        string outputFormat,
        string outputPath,
        QemuImgImageOptions options,
        IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> args = QemuImgArguments.Convert(inputFormat, inputPath, outputFormat, outputPath, options, progress is not null);
        Action<string>? onStdout = progress is null ? null : chunk =>
        {
            foreach (Match m in ProgressPattern().Matches(chunk))
            {
                progress.Report(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 100);
            }
        };
        (await RunAsync(args, onStdout, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary>
    /// Checks an image's consistency. Corruptions and leaks are a result, not an error;
    /// a format without checks (raw) fails with NoSupport.
    /// </summary>
    public async Task<QemuImgCheckResult> CheckAsync(string path, string? format = null, CancellationToken cancellationToken = default)
    {
        ToolProcess.Result result = await RunAsync(QemuImgArguments.CheckImage(path, format), null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 63 || result.Stderr.Contains("does not support checks", StringComparison.Ordinal))
        {
            throw new StorageException(ErrorCode.NoSupport, $"image format of '{path}' does not support checks");
        }

        if (result.ExitCode is not (0 or 2 or 3))
        {
            throw ToolProcess.Failure(result);
        }

        using JsonDocument json = Parse(result);
        JsonElement root = json.RootElement;
        return new QemuImgCheckResult(
            root.GetProperty("format").GetString()!,
            Int64(root, "check-errors") ?? 0,
            Int64(root, "corruptions") ?? 0,
            Int64(root, "leaks") ?? 0,
            Int64(root, "image-end-offset"),
            Int64(root, "total-clusters"),
            Int64(root, "allocated-clusters"));
    }

    private Task<ToolProcess.Result> RunAsync(IReadOnlyList<string> args, Action<string>? onStdout, CancellationToken cancellationToken)
    {
        _log.Debug("Running {Tool} {Arguments}", Executable, args);
        return ToolProcess.RunAsync(Executable, args, onStdout, cancellationToken);
    }

    private static JsonDocument Parse(ToolProcess.Result result)
    {
        try
        {
            return JsonDocument.Parse(result.Stdout);
        }
        catch (JsonException e)
        {
            throw new StorageException(ErrorCode.InternalError, $"cannot parse output of {result.CommandLine}: {e.Message}", null, e);
        }
    }

    private static long? Int64(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    private static string? String(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [GeneratedRegex(@"\(([0-9]+(?:\.[0-9]+)?)/100%\)")]
    private static partial Regex ProgressPattern();
}
