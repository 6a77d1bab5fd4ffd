using System.Security;
using StorageFs.Core;
using StorageFs.Vfs.Host;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>fspools/&lt;f&gt;/items/</c>: each item is its real directory (a <see cref="HostDir"/>), so
/// tar, cp -a, rsync and rm -rf work inside it. mkdir creates an item; rmdir deletes an empty
/// one (a full item is deleted with <c>delete NAME</c> in its ctl, as a job).
/// </summary>
internal sealed class ItemsDir(StorageTree tree, string fspool) : Node, INodeLookup, INodeReadDir, INodeMkdir, INodeRmdir
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
            return _items.Get(name, _ => new HostDir(path, TimeSpan.FromSeconds(1)));
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
}
