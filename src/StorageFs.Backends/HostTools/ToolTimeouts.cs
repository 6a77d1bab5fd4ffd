using System.Globalization;
using StorageFs.Core;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// How long an external tool may run before it is killed and its one operation fails with
/// ETIMEDOUT (the tree stays responsive: only the request that ran it waits). Tools that only
/// look or set up (mount, lvm, iscsiadm, gluster, parted, blkid, qemu-img info/create…) get
/// <see cref="Quick"/>; tools that move a volume's data (qemu-img convert/dd, a preallocating
/// create, mkfs on a large device) get <see cref="Long"/> — they run as cancellable jobs.
/// <c>STORAGEFS_TOOL_TIMEOUT</c> (seconds) in the daemon's environment overrides
/// <see cref="Quick"/> (storagefs(8), ENVIRONMENT).
/// </summary>
public static class ToolTimeouts
{
    /// <summary>ETIMEDOUT on Linux.</summary>
    public const int Etimedout = 110;

    /// <summary>The limit for tools that do not move volume data (default 5 minutes).</summary>
    public static TimeSpan Quick { get; } =
        double.TryParse(Environment.GetEnvironmentVariable("STORAGEFS_TOOL_TIMEOUT"), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : TimeSpan.FromMinutes(5);

    /// <summary>The limit for tools that copy, convert or fill a volume (24 hours).</summary>
    public static TimeSpan Long { get; } = TimeSpan.FromHours(24);

    /// <summary>The limit for one command line.</summary>
    public static TimeSpan For(IReadOnlyList<string> argv)
    {
        string tool = Path.GetFileName(argv[0]);
        bool moves = tool switch
        {
            "qemu-img" => argv.Count > 1 && (argv[1] is "convert" or "dd" or "rebase" or "commit" ||
                                             (argv[1] is "create" or "resize" && argv.Any(a => a.Contains("preallocation=", StringComparison.Ordinal)))),
            // e2fsck and resize2fs walk a whole filesystem; unshare runs growfs's mount + grow.
            "dd" or "wipefs" or "shred" or "e2fsck" or "resize2fs" or "unshare" => true,
            _ => tool.StartsWith("mkfs", StringComparison.Ordinal),
        };
        return moves ? Long : Quick;
    }

    /// <summary>The error of a tool that ran out of time (ETIMEDOUT).</summary>
    public static StorageException TimedOut(IReadOnlyList<string> argv, TimeSpan limit) =>
        new(ErrorCode.OperationFailed,
            $"'{Path.GetFileName(argv[0])}' did not finish within {limit.TotalSeconds:0.###} s and was stopped: {CommandRunnerExtensions.CommandLineText(argv)}",
            Etimedout);
}
