using System.Security;
using StorageFs.Core;
using StorageFs.Vfs.Host;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>fspools/&lt;f&gt;/items/</c>: each item is its real directory (a <see cref="HostDir"/>), so
/// tar, cp -a, rsync and rm -rf work inside it. mkdir creates an item; rmdir deletes an empty
/// one (a full item is deleted with <c>delete NAME</c> in its ctl, as a job). Nothing but
/// items lives here: files, links and renames are refused (EPERM) and recorded in errors, as
/// are the changes the host refuses inside an item.
/// </summary>
internal sealed class ItemsDir(StorageTree tree, string fspool) : Node, INodeLookup, INodeReadDir, INodeMkdir, INodeRmdir,
    INodeCreate, INodeMknod, INodeSymlink, INodeLink, INodeUnlink, INodeRename, INodeSetAttr
{
    private readonly NodeCache<HostDir> _items = new();

    private string Where(string name) => $"fspools/{fspool}/items/{name}";

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Modes.Dir | Modes.DirReadWrite, nlink: 2);

    public HostDir? Forget(string name) => _items.Remove(name);

    private HostDir? Item(string name)
    {
        try
        {
            string path = tree.Driver.GetItemPath(fspool, name);
            return _items.Get(name, _ => new HostDir(path, TimeSpan.FromSeconds(1)) { Refused = tree.Refuse, Display = Where(name) });
        }
        catch (StorageException)
        {
            return null;
        }
    }

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        child = Item(name);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        try
        {
            foreach (var item in tree.Driver.ListItems(fspool))
            {
                if (Item(item.Name) is { } node)
                    entries.Add(new DirEntry(item.Name, Modes.Dir, node));
            }
        }
        catch (StorageException e)
        {
            if (e.Code != ErrorCode.OperationInvalid)
                return ErrnoMap.From(e);
        }
        return Errno.Ok;
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = null;
        if (ctx.Uid != 0)
            return tree.Fail(ctx, "mkdir", Where(name), Errno.EACCES, "only root may create items");
        try
        {
            tree.Driver.CreateItem(fspool, $"<fsitem><name>{SecurityElement.Escape(name)}</name></fsitem>");
        }
        catch (StorageException e)
        {
            return tree.Fail(ctx, "mkdir", Where(name), ErrnoMap.From(e), e.Message);
        }
        child = Item(name);
        return child is null ? Errno.EIO : Errno.Ok;
    }

    public Errno Rmdir(RequestContext ctx, string name)
    {
        if (ctx.Uid != 0)
            return tree.Fail(ctx, "rmdir", Where(name), Errno.EACCES, "only root may delete items");
        try
        {
            string path = tree.Driver.GetItemPath(fspool, name);
            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
                return tree.Fail(ctx, "rmdir", Where(name), Errno.ENOTEMPTY, $"item '{name}' is not empty: delete its content, or write 'delete {name}' to item/{name}/ctl");
            tree.Driver.DeleteItem(fspool, name);
        }
        catch (StorageException e)
        {
            return tree.Fail(ctx, "rmdir", Where(name), ErrnoMap.From(e), e.Message);
        }
        return Errno.Ok;
    }

    private const string OnlyItems = "items/ holds items only: make one with mkdir, then put files inside it";

    private Errno Refuse(RequestContext ctx, string op, string name, string message) =>
        tree.Fail(ctx, op, Where(name), Errno.EPERM, message);

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        child = null;
        handle = null;
        return Refuse(ctx, "create", name, OnlyItems);
    }

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child)
    {
        child = null;
        return Refuse(ctx, "mknod", name, OnlyItems);
    }

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child)
    {
        child = null;
        return Refuse(ctx, "symlink", name, OnlyItems);
    }

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child)
    {
        child = null;
        return Refuse(ctx, "link", name, OnlyItems);
    }

    /// <summary>Only reached for names that are not directories, which items/ never holds.</summary>
    public Errno Unlink(RequestContext ctx, string name) =>
        Refuse(ctx, "unlink", name, $"'{name}' is an item: remove it with rmdir when empty, or 'delete {name}' in item/{name}/ctl");

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags) =>
        Refuse(ctx, "rename", name, "items cannot be renamed: make a new item and move the content into it");

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr) =>
        tree.Fail(ctx, "setattr", $"fspools/{fspool}/items", Errno.EPERM, "the modes, owners and times of items/ are fixed (an item's own directory can be changed)");
}
