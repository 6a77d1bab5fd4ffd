namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// The fuse module's <c>enable_uring</c> parameter (whether the kernel offers FUSE over
/// io_uring at INIT; root may write it). The first change remembers the value found, and it is
/// written back when the test process exits (or by <see cref="Restore"/>).
/// </summary>
public static class UringParameter
{
    public const string Path = "/sys/module/fuse/parameters/enable_uring";

    private static readonly Lock Gate = new();
    private static string? _original;

    public static bool Exists => File.Exists(Path);

    public static string Read() => File.ReadAllText(Path).Trim();

    /// <summary>Writes Y or N; fails the test (naming the kernel) where the parameter is missing.</summary>
    public static void Set(string value)
    {
        if (!Exists)
            Assert.Fail($"{Path} is missing: this kernel has no FUSE over io_uring (6.14 or newer with CONFIG_FUSE_IO_URING)");
        lock (Gate)
        {
            if (_original is null)
            {
                _original = Read();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Restore();
            }
            if (Read() != value)
                File.WriteAllText(Path, value);
        }
    }

    /// <summary>Writes back the value found before the first <see cref="Set"/>.</summary>
    public static void Restore()
    {
        lock (Gate)
        {
            if (_original is not null && Exists && Read() != _original)
                File.WriteAllText(Path, _original);
        }
    }
}
