namespace StorageFs.Vfs;

/// <summary>How a control file takes its input.</summary>
public enum WriteKind
{
    /// <summary>One command per write(2), at most 4 KiB, one line; offsets ignored.</summary>
    Command,

    /// <summary>One value per write(2), at most 4 KiB, line breaks allowed (wrapped base64);
    /// never recorded anywhere (a secret's value).</summary>
    Value,

    /// <summary>One XML document per open, possibly in several writes, applied by the write that completes it.</summary>
    Document,
}
