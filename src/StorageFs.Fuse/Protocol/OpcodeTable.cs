namespace StorageFs.Fuse.Protocol;

/// <summary>
/// The protocol as data (go-fuse fuse/opcode.go): one row per opcode with its name, the
/// smallest body it may carry and whether it is answered. Size checks, traces and ENOSYS
/// for everything else come from here.
/// </summary>
internal static class OpcodeTable
{
    private static readonly OpInfo[] Rows = Build();

    public static OpInfo Get(uint opcode) =>
        opcode < (uint)Rows.Length ? Rows[opcode] : default;

    public static string Name(uint opcode) =>
        Get(opcode).Name ?? (Enum.IsDefined((Opcode)opcode) ? ((Opcode)opcode).ToString().ToUpperInvariant() : $"OPCODE_{opcode}");

    private static int Size<T>()
        where T : unmanaged => Unsafe.SizeOf<T>();

    private static OpInfo[] Build()
    {
        var t = new OpInfo[(int)Opcode.Statx + 1];
        void Row(Opcode op, int minBody, OpHandler handler, bool noReply = false) =>
            t[(int)op] = new OpInfo(op.ToString().ToUpperInvariant(), minBody, noReply, handler);

        Row(Opcode.Init, Wire.FuseInitInCompatSize, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Init(r, o, out n));
        Row(Opcode.Destroy, 0, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Destroy(out n));
        Row(Opcode.Interrupt, Size<Wire.FuseInterruptIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Interrupt(r, out n), noReply: true);
        Row(Opcode.Lookup, 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Lookup(r, o, out n));
        Row(Opcode.Forget, Size<Wire.FuseForgetIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Forget(r, out n), noReply: true);
        Row(Opcode.BatchForget, Size<Wire.FuseBatchForgetIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.BatchForget(r, out n), noReply: true);
        Row(Opcode.Getattr, Size<Wire.FuseGetattrIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Getattr(r, o, out n));
        Row(Opcode.Setattr, Size<Wire.FuseSetattrIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Setattr(r, o, out n));
        Row(Opcode.Readlink, 0, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Readlink(r, o, out n));
        Row(Opcode.Symlink, 4, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Symlink(r, o, out n));
        Row(Opcode.Mknod, Size<Wire.FuseMknodIn>() + 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Mknod(r, o, out n));
        Row(Opcode.Mkdir, Size<Wire.FuseMkdirIn>() + 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Mkdir(r, o, out n));
        Row(Opcode.Unlink, 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Unlink(r, out n));
        Row(Opcode.Rmdir, 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Rmdir(r, out n));
        Row(Opcode.Rename, Size<Wire.FuseRenameIn>() + 4, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Rename(r, out n));
        Row(Opcode.Rename2, Size<Wire.FuseRename2In>() + 4, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Rename2(r, out n));
        Row(Opcode.Link, Size<Wire.FuseLinkIn>() + 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Link(r, o, out n));
        Row(Opcode.Open, Size<Wire.FuseOpenIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Open(r, o, out n));
        Row(Opcode.Create, Size<Wire.FuseCreateIn>() + 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Create(r, o, out n));
        Row(Opcode.Read, Size<Wire.FuseReadIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Read(r, o, out n));
        Row(Opcode.Write, Size<Wire.FuseWriteIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Write(r, o, out n));
        Row(Opcode.Statfs, 0, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Statfs(r, o, out n));
        Row(Opcode.Release, Size<Wire.FuseReleaseIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Release(r, out n));
        Row(Opcode.Flush, Size<Wire.FuseFlushIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Flush(r, out n));
        Row(Opcode.Fsync, Size<Wire.FuseFsyncIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Fsync(r, out n));
        Row(Opcode.Setxattr, Wire.FuseSetxattrInCompatSize + 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Setxattr(r, out n));
        Row(Opcode.Getxattr, Size<Wire.FuseGetxattrIn>() + 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Getxattr(r, o, out n));
        Row(Opcode.Listxattr, Size<Wire.FuseGetxattrIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Listxattr(r, o, out n));
        Row(Opcode.Removexattr, 2, static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Removexattr(r, out n));
        Row(Opcode.Opendir, Size<Wire.FuseOpenIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Opendir(r, o, out n));
        Row(Opcode.Readdir, Size<Wire.FuseReadIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Readdir(r, o, plus: false, out n));
        Row(Opcode.Readdirplus, Size<Wire.FuseReadIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Readdir(r, o, plus: true, out n));
        Row(Opcode.Releasedir, Size<Wire.FuseReleaseIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Releasedir(r, out n));
        Row(Opcode.Fsyncdir, Size<Wire.FuseFsyncIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Fsyncdir(out n));
        Row(Opcode.Access, Size<Wire.FuseAccessIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Access(r, out n));
        Row(Opcode.Poll, Size<Wire.FusePollIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Poll(r, o, out n));
        Row(Opcode.Getlk, Size<Wire.FuseLkIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Getlk(r, o, out n));
        Row(Opcode.Setlk, Size<Wire.FuseLkIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Setlk(r, wait: false, out n));
        Row(Opcode.Setlkw, Size<Wire.FuseLkIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Setlk(r, wait: true, out n));
        Row(Opcode.Fallocate, Size<Wire.FuseFallocateIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Fallocate(r, out n));
        Row(Opcode.Lseek, Size<Wire.FuseLseekIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.Lseek(r, o, out n));
        Row(Opcode.CopyFileRange, Size<Wire.FuseCopyFileRangeIn>(), static (Dispatcher d, in Request r, Span<byte> o, out int n) => d.CopyFileRange(r, o, out n));
        return t;
    }
}
