namespace StorageFs.Fuse.Protocol;

/// <summary>
/// fuse_dirent records (include/uapi/linux/fuse.h): inode number, offset, name length and type,
/// then the name, zero-padded to 8 bytes. A READDIRPLUS record is a fuse_entry_out followed by one.
/// The one writer of the record head, for replies packed per request and listings packed once.
/// </summary>
internal static class Dirent
{
    public static readonly int Size = Unsafe.SizeOf<Wire.FuseDirent>();

    /// <summary>The bytes of a record whose name takes <paramref name="nameLen"/> bytes after <paramref name="head"/> bytes.</summary>
    public static int RecordLength(int head, int nameLen) => (head + nameLen + 7) & ~7;

    /// <summary>Writes the head of the record at <paramref name="dirent"/>, whose name of
    /// <paramref name="nameLen"/> bytes is already in place after it.</summary>
    public static void Put(Span<byte> dirent, ulong ino, ulong off, int nameLen, uint mode)
    {
        ref var d = ref MemoryMarshal.AsRef<Wire.FuseDirent>(dirent[..Size]);
        d.Ino = ino;
        d.Off = off;
        d.NameLen = (uint)nameLen;
        d.Type = (mode >> 12) & 0xF;
    }
}
