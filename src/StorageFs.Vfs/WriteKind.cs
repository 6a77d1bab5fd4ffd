namespace StorageFs.Vfs;

/// <summary>How a control file takes its input.</summary>
public enum WriteKind
{
    /// <summary>One command per write(2), at most 4 KiB, one line; offsets ignored.</summary>
    Command,

    /// <summary>One XML document per open, possibly in several writes, applied by the write that completes it.</summary>
    Document,
}
