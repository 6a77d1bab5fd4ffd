using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Backends.Devices;

namespace StorageFs.Backends.Tests.Scsi;

/// <summary>A writable copy (symlinks kept) of Fixtures/sysfs, the real-layout sysfs tree.</summary>
internal sealed class SysfsFixture : IDisposable
{
    public SysfsFixture()
    {
        Root = Directory.CreateTempSubdirectory("sfs-sysfs-").FullName;
        Sh.Run("cp", "-a", FixtureFiles.PathOf("sysfs/sys"), FixtureFiles.PathOf("sysfs/dev"), Root);
        Host = new SysfsRoot(Root);
    }

    public string Root { get; }

    public SysfsRoot Host { get; }

    public string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
