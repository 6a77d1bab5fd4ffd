using StorageFs.Core;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// What is on a block device, from <c>blkid -p -o export DEVICE</c> (low-level probing of
/// superblocks and partition tables, no cache, no udev), and libvirt's decisions on it
/// (<c>virStorageBackendDeviceIsEmpty</c> / <c>virStorageBackendBLKIDFindEmpty</c>,
/// src/storage/storage_util.c) with libvirt's messages. blkid exits 2 when it finds nothing.
/// </summary>
public static class DeviceProbe
{
    /// <summary>The signatures found: TYPE (file system, LVM2_member, swap…), PTTYPE (dos,
    /// gpt…), and the rest of blkid's export keys. Empty when the device holds nothing known.</summary>
    public static IReadOnlyDictionary<string, string> Probe(ICommandRunner runner, string device)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var result = runner.Run(["blkid", "-p", "-o", "export", device]);
        switch (result.ExitCode)
        {
            case 0:
                return Parse(result.Stdout);
            case 2:
                return new Dictionary<string, string>();
            case 8:
                throw ProbeFailed($"Found additional probes to run, probing may be incorrect ('{device}' holds more than one signature)");
            default:
                runner.LogFailure(result);
                throw ProbeFailed($"Failed to probe for format type on device '{device}': {CommandRunnerExtensions.FailureSentence(result.Argv, result.ExitCode)}");
        }
    }

    /// <summary>Parses blkid's KEY=value export lines.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string export)
    {
        ArgumentNullException.ThrowIfNull(export);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in export.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[line[..eq]] = line[(eq + 1)..];
            }
        }
        return values;
    }

    /// <summary>How the device compares with <paramref name="format"/>: a file-system TYPE
    /// ("ext4", "LVM2_member") or, when <paramref name="label"/>, a partition-table PTTYPE
    /// ("dos", "gpt"). Unlike libvirt's label probe, a file system on a disk wanted for a
    /// partition table counts as different, so it is never labelled over without --overwrite.</summary>
    public static ProbeVerdict Compare(IReadOnlyDictionary<string, string> found, string format, bool label)
    {
        ArgumentNullException.ThrowIfNull(found);
        var key = label ? "PTTYPE" : "TYPE";
        if (found.TryGetValue(key, out var value))
        {
            return string.Equals(value, format, StringComparison.Ordinal) ? ProbeVerdict.Match : ProbeVerdict.Different;
        }
        return found.ContainsKey("TYPE") || found.ContainsKey("PTTYPE") ? ProbeVerdict.Different : ProbeVerdict.Empty;
    }

    /// <summary>A build without --overwrite may format <paramref name="device"/> only when it is
    /// empty: libvirt's <c>virStorageBackendDeviceIsEmpty(…, writelabel=true)</c>.</summary>
    /// <exception cref="StorageException">"Device 'D' already formatted using 'F'" when the
    /// format is already there; "Format of device 'D' does not match the expected format 'F',
    /// forced overwrite is necessary" when something else is.</exception>
    public static void RequireEmptyForBuild(ICommandRunner runner, string device, string format, bool label = false)
    {
        switch (Compare(Probe(runner, device), format, label))
        {
            case ProbeVerdict.Match:
                throw new StorageException(ErrorCode.OperationInvalid,
                    $"Storage pool already built: Device '{device}' already formatted using '{format}'");
            case ProbeVerdict.Different:
                throw ProbeFailed(
                    $"Format of device '{device}' does not match the expected format '{format}', forced overwrite is necessary");
        }
    }

    /// <summary>A start needs the format in place: libvirt's
    /// <c>virStorageBackendDeviceIsEmpty(…, writelabel=false)</c>.</summary>
    /// <exception cref="StorageException">"Device 'D' is unrecognized, requires build" or
    /// "Format of device 'D' does not match the expected format 'F'".</exception>
    public static void RequireFormat(ICommandRunner runner, string device, string format, bool label = false)
    {
        switch (Compare(Probe(runner, device), format, label))
        {
            case ProbeVerdict.Empty:
                throw ProbeFailed($"Device '{device}' is unrecognized, requires build");
            case ProbeVerdict.Different:
                throw ProbeFailed($"Format of device '{device}' does not match the expected format '{format}'");
        }
    }

    // VIR_ERR_STORAGE_PROBE_FAILED, whose text is "Storage pool probe failed: %s".
    private static StorageException ProbeFailed(string message) =>
        new(ErrorCode.OperationFailed, "Storage pool probe failed: " + message);
}
