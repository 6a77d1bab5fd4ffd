namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A loop device on a sparse file of the given size, attached with <c>losetup -f --show</c>
/// and detached (after dropping any BLKPG partition nodes) on dispose, by its own name.
/// </summary>
internal sealed class LoopDevice : IDisposable
{
    private bool _disposed;

    public LoopDevice(string directory, string name, long bytes)
    {
        ImagePath = Path.Combine(directory, name + ".img");
        using (var f = File.Create(ImagePath))
        {
            f.SetLength(bytes);
        }
        Device = Sh.Run("losetup", "-f", "--show", ImagePath).Trim();
        Assert.StartsWith("/dev/loop", Device, StringComparison.Ordinal);
    }

    /// <summary>The device node, e.g. /dev/loop3.</summary>
    public string Device { get; }

    public string ImagePath { get; }

    public override string ToString() => Device;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Sh.Try("partx", "-d", Device);
        for (int i = 0; i < 50; i++)
        {
            var (code, _, _) = Sh.Try("losetup", "-d", Device);
            if (code == 0)
            {
                break;
            }
            Thread.Sleep(100);
        }
        File.Delete(ImagePath);
    }
}
