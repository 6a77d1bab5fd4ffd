namespace StorageFs.Core.Persistence;

/// <summary>Linux errno values the store reports (asm-generic/errno-base.h).</summary>
internal static class Errno
{
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
}
