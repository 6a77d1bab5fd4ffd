using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Interop;

namespace StorageFs.Demo;

/// <summary>An open <see cref="MemFile"/>.</summary>
internal sealed class MemFileHandle(MemFile file) : FileHandle
{
    public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead) =>
        file.Read(offset, buffer, out bytesRead);

    public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten) =>
        file.Write(offset, data, out bytesWritten);
}
