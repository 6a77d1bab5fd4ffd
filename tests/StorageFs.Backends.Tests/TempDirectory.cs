namespace StorageFs.Backends.Tests;

/// <summary>A fresh directory under /tmp, removed with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("sfs-backends-").FullName;
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        // Tests leave read-only or oddly named entries; rm copes with all of them.
        Shell.Run("rm", "-rf", "--one-file-system", Path);
    }
}
