namespace StorageFs.Vfs;

/// <summary>File type bits (sys/stat.h) and the permission sets the tree uses.</summary>
public static class Modes
{
    public const uint Dir = 0x4000;
    public const uint Reg = 0x8000;
    public const uint Lnk = 0xA000;
    public const uint TypeMask = 0xF000;

    /// <summary>r--r--r--: readable by everyone.</summary>
    public const uint ReadOnly = 0x124;

    /// <summary>rw-r--r--: everyone reads, root writes.</summary>
    public const uint ReadWrite = 0x1A4;

    /// <summary>-w-------: root writes, nobody reads but the writer's own handle (read-back).</summary>
    public const uint WriteOnly = 0x180; // rw-------: the writer reads its reply back on the same fd

    /// <summary>r--------: root reads (a secret's definition).</summary>
    public const uint RootReadOnly = 0x100;

    /// <summary>-w-------: root writes, nobody ever reads (a secret's value).</summary>
    public const uint WriteOnlyNoRead = 0x80;

    /// <summary>r-xr-xr-x.</summary>
    public const uint DirReadOnly = 0x16D;

    /// <summary>rwxr-xr-x.</summary>
    public const uint DirReadWrite = 0x1ED;
}
