using StorageFs.Vfs.Tree;

namespace StorageFs.Vfs.Tests;

public sealed class VolumeReadersTests
{
    [Fact]
    public void EightLookupsWithinASecond_SetIt_ForTenSecondsAfter()
    {
        var readers = new VolumeReaders();
        long t = 5_000_000;
        for (int i = 0; i < VolumeReaders.LookupsToSet - 1; i++)
            readers.LookedUp(t + i);
        Assert.False(readers.Stat(t + 10));
        readers.LookedUp(t + 20);
        Assert.True(readers.Stat(t + 20));
        Assert.True(readers.Stat(t + 20 + VolumeReaders.HoldMilliseconds - 1));
        Assert.False(readers.Stat(t + 20 + VolumeReaders.HoldMilliseconds));
    }

    [Fact]
    public void LookupsSpreadOverSeconds_NeverSetIt()
    {
        var readers = new VolumeReaders();
        for (int i = 0; i < 100; i++)
        {
            readers.LookedUp(7_000_000 + i * 1000L); // one a second: a script stat-ing now and then
            Assert.False(readers.Stat(7_000_000 + i * 1000L));
        }
    }

    [Fact]
    public void LookupsWhileSet_HoldItOn()
    {
        var readers = new VolumeReaders();
        long t = 9_000_000;
        for (int i = 0; i < VolumeReaders.LookupsToSet; i++)
            readers.LookedUp(t);
        long later = t + 8_000;
        for (int i = 0; i < VolumeReaders.LookupsToSet; i++)
            readers.LookedUp(later + i);
        Assert.True(readers.Stat(later + VolumeReaders.HoldMilliseconds - 1));
    }
}
