namespace StorageFs.Backends.Fs;

/// <summary>
/// The mkfs command line of an fs pool build (libvirt's <c>virStorageBackendExecuteMKFS</c>,
/// src/storage/storage_backend_fs.c): <c>mkfs -t FMT [force] DEVICE</c>, the force option being
/// what each mkfs needs to write over an existing file system (<c>-f</c> for xfs, <c>-F</c> for
/// ext2/3/4, <c>-I</c> for vfat). libvirt gives btrfs none, so its --overwrite fails on a used
/// device; StorageFs adds btrfs's <c>-f</c>.
/// </summary>
public static class MkfsCommand
{
    /// <summary>The argv.</summary>
    public static IReadOnlyList<string> For(string format, string device)
    {
        var argv = new List<string> { "mkfs", "-t", format };
        switch (format)
        {
            case "xfs" or "btrfs":
                argv.Add("-f");
                break;
            case "ext2" or "ext3" or "ext4":
                argv.Add("-F");
                break;
            case "vfat":
                argv.Add("-I");
                break;
        }
        argv.Add(device);
        return argv;
    }
}
