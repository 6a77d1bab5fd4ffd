namespace StorageFs.Fuse.Tests;

/// <summary>Builds raw FUSE request bytes exactly as the kernel lays them out (fuse_in_header + body).</summary>
internal static class Req
{
    private static ulong s_unique = 100;

    // Per thread: test classes run in parallel, each test on one thread, and a test asks for
    // the unique of the request it made itself.
    [ThreadStatic]
    private static ulong t_lastUnique;

    public static ulong LastUnique => t_lastUnique;

    public static byte[] Make(Opcode op, ulong nodeId, ReadOnlySpan<byte> body, ulong? unique = null, uint uid = 1000, uint gid = 1000, uint pid = 4242)
    {
        int len = 40 + body.Length;
        var buf = new byte[len];
        var h = new Wire.FuseInHeader
        {
            Len = (uint)len,
            Opcode = (uint)op,
            Unique = unique ?? Interlocked.Increment(ref s_unique),
            NodeId = nodeId,
            Uid = uid,
            Gid = gid,
            Pid = pid,
        };
        t_lastUnique = h.Unique;
        MemoryMarshal.Write(buf, in h);
        body.CopyTo(buf.AsSpan(40));
        return buf;
    }

    public static byte[] Bytes<T>(T value)
        where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();

    public static byte[] Name(string name) => [.. Encoding.UTF8.GetBytes(name), 0];

    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] Init(uint major = 7, uint minor = 45, InitFlags flags = (InitFlags)0x3FFFFFFFFFF)
    {
        var init = new Wire.FuseInitIn
        {
            Major = major,
            Minor = minor,
            MaxReadahead = 131072,
            Flags = (uint)flags,
            Flags2 = (uint)((ulong)flags >> 32),
        };
        return Make(Opcode.Init, 0, Bytes(init));
    }

    public static byte[] Read(ulong nodeId, ulong fh, ulong offset, uint size) =>
        Make(Opcode.Read, nodeId, Bytes(new Wire.FuseReadIn { Fh = fh, Offset = offset, Size = size }));
}
