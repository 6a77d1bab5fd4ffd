using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tests;

/// <summary>Inode numbers of host files as the mount shows them: one per host (device, inode), never an engine number.</summary>
public sealed class RealInodesTests
{
    [Fact]
    public void EveryHostInodeHasItsOwnNumber_TheSameEveryTime_AboveTheEnginesNumbers()
    {
        // Device numbers no real device here has, so other tests' devices do not matter.
        const uint Major = 4093, Minor = 77;
        ulong a = RealInodes.Number(Major, Minor, 5), b = RealInodes.Number(Major, Minor, 6);
        ulong otherDevice = RealInodes.Number(Major, Minor + 1, 5);
        ulong large = RealInodes.Number(Major, Minor, 1UL << 50), larger = RealInodes.Number(Major, Minor, (1UL << 50) + 1);

        Assert.Equal(a, RealInodes.Number(Major, Minor, 5));
        Assert.Equal(large, RealInodes.Number(Major, Minor, 1UL << 50));
        Assert.Equal(5, new[] { a, b, otherDevice, large, larger }.Distinct().Count());
        Assert.All(new[] { a, b, otherDevice, large, larger }, n => Assert.True(n >= 1UL << 62 && n < 1UL << 63, $"{n:x}"));
        Assert.Equal(1UL, b - a); // computed from the host's number, not counted
    }
}
