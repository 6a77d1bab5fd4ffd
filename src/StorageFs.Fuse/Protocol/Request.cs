using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>One decoded request: its header, its body (extensions cut off) and the caller's context.</summary>
internal readonly ref struct Request
{
    public Request(in Wire.FuseInHeader header, ReadOnlySpan<byte> body, RequestContext context)
    {
        Header = header;
        Body = body;
        Context = context;
    }

    public Wire.FuseInHeader Header { get; }

    public ReadOnlySpan<byte> Body { get; }

    public RequestContext Context { get; }

    public ulong NodeId => Header.NodeId;

    public T Read<T>()
        where T : unmanaged => MemoryMarshal.Read<T>(Body);
}
