namespace StorageFs.Backends.Files;

/// <summary>The S_IFMT part of st_mode (sys/stat.h).</summary>
public enum FileKind
{
    Unknown,
    Regular,
    Directory,
    Symlink,
    BlockDevice,
    CharacterDevice,
    Fifo,
    Socket,
}
