using StorageFs.Interop;

namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>The tests' questions about /proc/self/mountinfo, answered by the one parser (<see cref="MountInfo"/>).</summary>
public static class MountTable
{
    public const string FuseType = "fuse.storagefs";

    /// <summary>Every mount stacked on <paramref name="mountPoint"/>, oldest first.</summary>
    public static IReadOnlyList<MountInfoEntry> At(string mountPoint) => MountInfo.At(mountPoint);

    public static bool IsFuseMounted(string mountPoint) => At(mountPoint).Any(e => e.FsType == FuseType);

    public static bool IsMounted(string mountPoint) => At(mountPoint).Count > 0;
}
