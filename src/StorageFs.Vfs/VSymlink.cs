namespace StorageFs.Vfs;

/// <summary>
/// A read-only symbolic link whose target is computed at each read (by-uuid/, vol/&lt;v&gt;/data).
/// The kernel keeps the first target it reads (FUSE_CACHE_SYMLINKS) for as long as it keeps the
/// inode, so a link whose target can change must be served by a new node once it changes
/// (by-uuid/ keeps one node per uuid and target): names are never cached here (timeout 0), so
/// the next walk through the link sees the new node id and drops the old inode.
/// </summary>
public sealed class VSymlink : Node, INodeReadlink
{
    private readonly Func<object?, string> _target;
    private readonly object? _subject;

    public VSymlink(Func<string> target)
        : this(static t => ((Func<string>)t!)(), target)
    {
    }

    /// <summary>A link whose target <paramref name="target"/> computes from <paramref name="subject"/>:
    /// with a static delegate, one small object per link (every volume has one).</summary>
    public VSymlink(Func<object?, string> target, object? subject)
    {
        _target = target;
        _subject = subject;
    }

    private string Target() => _target(_subject);

    public override TimeSpan? EntryTimeout => TimeSpan.Zero;

    public override TimeSpan? AttrTimeout => TimeSpan.Zero;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) =>
        Attr.Fill(ref attr, Modes.Lnk | 0x1FF, (ulong)System.Text.Encoding.UTF8.GetByteCount(Target()));

    public Errno Readlink(RequestContext ctx, out string linkTarget)
    {
        linkTarget = Target();
        return Errno.Ok;
    }
}
