namespace StorageFs.Vfs;

/// <summary>
/// A directory of the daemon's layout: every change a user attempts in it (create, mkdir,
/// unlink, rmdir, rename, link, chmod…) is refused with EPERM and recorded through
/// <see cref="RefusedTo"/>. <see cref="VDir"/> declares one as a table; a kind of directory there
/// are a million of (a volume's <c>vol/V/</c>) derives its rows instead of storing them.
/// </summary>
public abstract class FixedDir : Node, INodeLookup, INodeReadDir, INodeCreate, INodeMknod, INodeMkdir, INodeSymlink, INodeLink,
    INodeUnlink, INodeRmdir, INodeRename, INodeSetAttr
{
    /// <summary>The type and permission bits.</summary>
    public abstract uint Mode { get; }

    /// <summary>Where this directory shows below the mount ("" for the root), for error records.</summary>
    public abstract string Where { get; }

    /// <summary>Receives the refused changes (null: refused without a record).</summary>
    protected abstract Refusal? RefusedTo { get; }

    /// <summary>What to do instead, appended to refusal messages.</summary>
    protected abstract string? RefusalHint { get; }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Mode, nlink: 2);

    public abstract Errno Lookup(RequestContext ctx, string name, out Node? child);

    public abstract Errno ReadDir(RequestContext ctx, List<DirEntry> entries);

    /// <summary>The file type bits a listing shows for a node of the tree.</summary>
    public static uint ModeOf(Node node) => node switch
    {
        FixedDir d => d.Mode,
        INodeReadlink => Modes.Lnk,
        _ => Modes.Reg,
    };

    private string Below(string name) => Where.Length == 0 ? name : Where + "/" + name;

    private Errno Refuse(RequestContext ctx, string op, string path, string message)
    {
        RefusedTo?.Invoke(ctx, op, path, Errno.EPERM, RefusalHint is null ? message : message + ": " + RefusalHint);
        return Errno.EPERM;
    }

    private Errno RefuseNew(RequestContext ctx, string op, string name, out Node? child)
    {
        child = null;
        return Refuse(ctx, op, Below(name), $"{(Where.Length == 0 ? "/" : Where + "/")} has a fixed layout: nothing can be created in it");
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        handle = null;
        return RefuseNew(ctx, "create", name, out child);
    }

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child) => RefuseNew(ctx, "mknod", name, out child);

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child) => RefuseNew(ctx, "mkdir", name, out child);

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child) => RefuseNew(ctx, "symlink", name, out child);

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child) => RefuseNew(ctx, "link", name, out child);

    public Errno Unlink(RequestContext ctx, string name) =>
        Refuse(ctx, "unlink", Below(name), $"'{name}' is part of the tree's layout and cannot be removed");

    public Errno Rmdir(RequestContext ctx, string name) =>
        Refuse(ctx, "rmdir", Below(name), $"'{name}' is part of the tree's layout and cannot be removed");

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags) =>
        Refuse(ctx, "rename", Below(name), $"'{name}' cannot be renamed");

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr) =>
        Refuse(ctx, "setattr", Where.Length == 0 ? "." : Where, "the modes, owners and times of the tree's directories are fixed");
}
