namespace StorageFs.Core.Backend;

/// <summary>What <see cref="IVolumeFilesystems.Inspect"/> found.</summary>
/// <param name="Filesystem">What the first blocks hold: <c>ext4</c>, <c>xfs</c>, <c>btrfs</c>,
/// <c>swap</c>, <c>vfat</c>, <c>LVM2_member</c>, <c>gpt partition table</c>…, <c>none</c>
/// (zeros) or <c>unknown</c>; null when not probed.</param>
/// <param name="Mounts">Where it is mounted (through a loop device, or the device itself):
/// mount points of this daemon's mount namespace, or a sentence for a mount elsewhere.</param>
/// <param name="Attachments">Loop devices it backs, e.g. <c>/dev/loop3</c>.</param>
public sealed record VolumeContent(string? Filesystem, IReadOnlyList<string> Mounts, IReadOnlyList<string> Attachments)
{
    /// <summary>True when the host holds the volume: attached to a loop device or mounted.</summary>
    public bool InUseByHost => Mounts.Count > 0 || Attachments.Count > 0;

    /// <summary>The <c>Mounted:</c> line's value: <c>no</c>, <c>yes, at /mnt (via /dev/loop3)</c>,
    /// or <c>no (attached to /dev/loop3)</c>.</summary>
    public string MountedText =>
        Mounts.Count > 0
            ? "yes, " + string.Join(", ", Mounts)
            : Attachments.Count > 0 ? $"no (attached to {string.Join(", ", Attachments)})" : "no";
}
