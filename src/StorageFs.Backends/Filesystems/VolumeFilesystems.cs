using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Serilog;
using StorageFs.Backends.HostTools;
using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Filesystems;

/// <summary>
/// The production <see cref="IVolumeFilesystems"/>: our own probe of the first blocks, the
/// host's use from loop devices and mountinfo, and growfs/shrinkfs with the filesystems' own
/// tools on a loop device attached to the volume's descriptor. ext2/3/4 are resized offline
/// (e2fsck -f -p, then resize2fs); xfs and btrfs only resize mounted, so they are mounted in a
/// mount namespace of a child process (<c>unshare --mount</c>, on a tmpfs over its /tmp): the
/// host's mount table never shows them, and the mount goes with the child, even when it is
/// killed.
/// </summary>
public sealed class VolumeFilesystems : IVolumeFilesystems
{
    // Run by `unshare --mount --propagation private -- sh -c SCRIPT sh DEVICE TYPE OPTIONS CMD…`:
    // arguments are positional, never part of the script's text. The tmpfs over /tmp exists only
    // in the child's namespace, so nothing is left on the host whatever happens.
    private const string MountedScript =
        "set -e\n" +
        "mount -t tmpfs -o mode=0700,size=64k storagefs-fs /tmp\n" +
        "mkdir /tmp/fs\n" +
        "mount -t \"$2\" -o \"$3\" \"$1\" /tmp/fs\n" +
        "shift 3\n" +
        "\"$@\" /tmp/fs\n" +
        "umount /tmp/fs\n";

    private readonly ICommandRunner _runner;
    private readonly ILogger _log;

    /// <summary>Tools run through <paramref name="runner"/> (the host's processes by default).</summary>
    public VolumeFilesystems(ICommandRunner? runner = null, ILogger? logger = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<VolumeFilesystems>();
        _runner = runner ?? new ProcessCommandRunner(logger);
    }

    /// <inheritdoc/>
    public VolumeContent Inspect(SafeFileHandle data, bool probe)
    {
        ArgumentNullException.ThrowIfNull(data);
        string? fs = probe ? FilesystemProbe.Probe(data).Type : null;
        var (mounts, attachments) = HostUse.Of(data);
        return new VolumeContent(fs, mounts, attachments);
    }

    /// <inheritdoc/>
    public FilesystemResizePlan PlanResize(SafeFileHandle data, ulong length, ulong? size, bool shrink)
    {
        ArgumentNullException.ThrowIfNull(data);
        string verb = shrink ? "shrinkfs" : "growfs";
        var (mounts, attachments) = HostUse.Of(data);
        if (mounts.Count > 0 || attachments.Count > 0)
        {
            string where = mounts.Count > 0 ? "mounted " + string.Join(", ", mounts) : "attached to " + string.Join(", ", attachments);
            throw new StorageException(ErrorCode.Busy,
                $"{verb}: the volume is {where}; unmount it and detach the loop device (losetup -d) first");
        }
        var fs = FilesystemProbe.Probe(data);
        if (!fs.IsExt && fs.Type is not "xfs" and not "btrfs")
        {
            throw StorageErrors.NoSupport(
                $"{verb} knows ext2, ext3, ext4, xfs and btrfs; this volume holds {(fs.Type is "none" or "unknown" ? "no filesystem it recognises" : fs.Type)}" +
                (fs.Type.EndsWith("partition table", StringComparison.Ordinal) ? " (grow a partition's filesystem in its own volume, e.g. a disk pool's partition)" : ""));
        }
        if (shrink && fs.Type == "xfs")
        {
            throw StorageErrors.NoSupport("shrinkfs: an xfs filesystem cannot shrink (xfs_growfs only grows it); nothing was changed");
        }
        string[] tools = fs.IsExt ? ["e2fsck", "resize2fs"] : fs.Type == "xfs" ? ["unshare", "mount", "xfs_growfs"] : ["unshare", "mount", "btrfs"];
        if (tools.FirstOrDefault(t => !HostSupport.OnPath(t)) is { } missing)
        {
            throw StorageErrors.NoSupport($"{verb} of {fs.Type} needs '{missing}', which is not installed");
        }
        ulong block = Math.Max(fs.BlockSize, 4096u);
        ulong target;
        if (shrink)
        {
            target = size!.Value / block * block;
            if (target >= fs.Size)
            {
                throw StorageErrors.InvalidArg(
                    $"shrinkfs {size}: the {fs.Type} filesystem is {fs.Size} bytes, so that is no shrink (sizes round down to its {block}-byte blocks)");
            }
            if (target == 0)
            {
                throw StorageErrors.InvalidArg("shrinkfs: a filesystem cannot shrink to nothing");
            }
        }
        else
        {
            ulong wanted = size ?? length;
            if (wanted > length)
            {
                throw StorageErrors.InvalidArg(
                    $"growfs {wanted}: past the end of the volume ({length} bytes); grow the volume first with 'resize SIZE'");
            }
            target = wanted / block * block;
            if (target < fs.Size)
            {
                throw StorageErrors.InvalidArg(
                    $"growfs {wanted}: the {fs.Type} filesystem is {fs.Size} bytes already; growfs does not make it smaller (shrinkfs SIZE does)");
            }
        }
        return new FilesystemResizePlan(fs.Type, fs.Size, target, shrink);
    }

    /// <inheritdoc/>
    public void Resize(SafeFileHandle data, FilesystemResizePlan plan, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        cancellation.ThrowIfCancellationRequested();
        using var loop = LoopDevices.Attach(data, readOnly: false);
        string target = plan.NewSize.ToString(CultureInfo.InvariantCulture);
        _log.Information("Resizing {Filesystem} on {Device} from {From} to {To} bytes", plan.Filesystem, loop.Path, plan.CurrentSize, plan.NewSize);
        switch (plan.Filesystem)
        {
            case "ext2" or "ext3" or "ext4":
                // resize2fs wants a freshly checked filesystem. Neither tool is cut off once
                // started: a resize2fs killed half-way leaves a broken filesystem.
                var check = _runner.Run(["e2fsck", "-f", "-p", loop.Path], cancellation: CancellationToken.None);
                // e2fsck: 0 clean, 1 errors corrected, 2 corrected (reboot wanted); 4 and up failed.
                if (check.ExitCode is not 0 and not 1 and not 2)
                {
                    throw _runner.Failure(check);
                }
                progress.Report(Math.Min(plan.CurrentSize, plan.NewSize) / 2);
                _runner.RunChecked(["resize2fs", loop.Path, (plan.NewSize / 1024).ToString(CultureInfo.InvariantCulture) + "K"],
                    cancellation: CancellationToken.None);
                break;
            case "xfs":
                // xfs_growfs -D counts filesystem blocks; the plan's size is whole blocks.
                var fs = FilesystemProbe.Probe(data);
                string blocks = (plan.NewSize / Math.Max(fs.BlockSize, 1u)).ToString(CultureInfo.InvariantCulture);
                RunMounted(loop.Path, "xfs", "nouuid,nodev,nosuid,noexec", ["xfs_growfs", "-D", blocks], cancellation);
                break;
            case "btrfs":
                RunMounted(loop.Path, "btrfs", "nodev,nosuid,noexec", ["btrfs", "filesystem", "resize", target], cancellation);
                break;
            default:
                throw StorageErrors.NoSupport($"cannot resize a {plan.Filesystem} filesystem");
        }
        progress.Report(Math.Max(plan.CurrentSize, plan.NewSize));
    }

    // The growth ioctls (XFS_IOC_FSGROWFSDATA, BTRFS_IOC_RESIZE) are transactions: killing the
    // child at any point leaves the filesystem either as it was or grown, so this is cancellable.
    private void RunMounted(string device, string type, string options, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        string[] argv = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", MountedScript, "sh", device, type, options, .. command];
        _runner.RunChecked(argv, cancellation: cancellation);
    }
}
