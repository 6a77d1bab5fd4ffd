namespace StorageFs.Vfs;

/// <summary>A read-only symbolic link whose target is computed at each read (by-uuid/, vol/&lt;v&gt;/data).</summary>
public sealed class VSymlink(Func<string> target) : Node, INodeReadlink
{
    public override TimeSpan? EntryTimeout => TimeSpan.Zero;

    public override TimeSpan? AttrTimeout => TimeSpan.Zero;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) =>
        Attr.Fill(ref attr, Modes.Lnk | 0x1FF, (ulong)System.Text.Encoding.UTF8.GetByteCount(target()));

    public Errno Readlink(RequestContext ctx, out string linkTarget)
    {
        linkTarget = target();
        return Errno.Ok;
    }
}
