using System.Globalization;
using System.Security;
using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>fspools/&lt;f&gt;/items/</c>: each item is its real directory (a <see cref="RealDir"/>), so
/// tar, cp -a, rsync and rm -rf work inside it. mkdir creates an item; rmdir deletes an empty
/// one (a full item is deleted with <c>delete NAME</c> in its ctl, as a job). Items made or
/// removed on the host show at once: a listing brings the driver's list up to date and a
/// lookup of an unknown name looks for it on the host. Each item is served from the
/// directory descriptor the driver hands over (<see cref="StorageDriver.OpenItem"/>). Nothing but
/// items lives here: files, links and renames are refused (EPERM) and recorded in errors, as
/// are the changes the host refuses inside an item.
/// </summary>
internal sealed class ItemsDir(StorageTree tree, string fspool) : Node, INodeLookup, INodeReadDir, INodeMkdir, INodeRmdir,
    INodeCreate, INodeMknod, INodeSymlink, INodeLink, INodeUnlink, INodeRename, INodeSetAttr
{
    private readonly NodeCache<RealDir> _items = new();
    private readonly Lock _gate = new();
    private DirStamp? _unchanged;

    private string Where(string name) => $"fspools/{fspool}/items/{name}";

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Modes.Dir | Modes.DirReadWrite, nlink: 2);

    public RealDir? Forget(string name) => _items.Remove(name);

    /// <summary>
    /// The node serving item <paramref name="name"/>: the one the kernel knows while it still
    /// serves that directory, else a new root over the descriptor the driver opened (beneath
    /// the pool's directory, never by a path here). Null when the item is gone.
    /// </summary>
    private RealDir? Item(string name, out Errno error)
    {
        error = Errno.Ok;
        lock (_gate)
        {
            if (_items.Peek(name) is { } known && !known.IsEnded && !known.IsGone())
                return known;
            return Open(name, out error);
        }
    }

    private RealDir? Open(string name, out Errno error)
    {
        error = StorageTree.Ask(() => new RealDir(tree.Driver.OpenItem(fspool, name), tree.Driver.GetItemPath(fspool, name), tree.ItemTimeout)
        {
            Refused = tree.Refuse,
            Display = Where(name),
        }, out var made);
        if (made is null)
            return null;
        _items.Replace(name, made);
        return made;
    }

    /// <summary>
    /// Brings the driver's item list up to date with the host (<see cref="StorageDriver.SyncItems"/>),
    /// as listing <c>volumes/</c> re-reads a pool: an item made with mkdir on the host shows in
    /// the next listing, one removed there goes. Skipped while the pool's directory is unchanged
    /// since the last pass (same path, same mtime, settled: see <see cref="DirStamp"/>): adding,
    /// removing or renaming an entry changes the directory's mtime.
    /// </summary>
    internal void Sync()
    {
        string where = $"fspools/{fspool}/items";
        DirStamp? stamp = tree.Quietly(where, () =>
        {
            var info = tree.Driver.GetFsPoolInfo(fspool);
            return info.IsActive ? DirStamp.Of(info.TargetPath) : null;
        }, null);
        if (stamp is not null && stamp == Volatile.Read(ref _unchanged))
            return;
        // Inactive, or its directory unreadable: list what the driver has.
        bool synced = tree.Quietly(where, () =>
        {
            tree.Driver.SyncItems(fspool);
            return true;
        }, false);
        Volatile.Write(ref _unchanged, synced && stamp is { Settled: true } ? stamp : null);
    }

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        child = null;
        // Known, or made on the host since the last listing (one look at that name); a stopped
        // fspool has no items to look up.
        Errno err = StorageTree.Ask(() => tree.Driver.HasItem(fspool, name), out bool known, absent: ErrorCode.OperationInvalid);
        if (err != Errno.Ok || !known)
            return err == Errno.Ok ? Errno.ENOENT : err;
        child = Item(name, out var error);
        return child is null ? error : Errno.Ok;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        Sync();
        // Names only: READDIRPLUS looks up the entries it returns, plain READDIR needs no node.
        Errno err = tree.Listing($"fspools/{fspool}/items", () => tree.Driver.ListItemNames(fspool), out var names);
        entries.EnsureCapacity(entries.Count + names.Count);
        foreach (string name in names)
            entries.Add(new DirEntry(name, Modes.Dir));
        return err;
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = null;
        if (ctx.Uid != 0)
            return tree.Fail(ctx, "mkdir", Where(name), Errno.EACCES, "only root may create items");
        // The mode the caller asked for, its umask applied by the kernel already, as mkdir(2)
        // makes a directory (set-user-ID, set-group-ID and sticky bits go with a chmod after).
        string perms = string.Create(CultureInfo.InvariantCulture, $"<permissions><mode>{Convert.ToString(mode & 0x1FF, 8)}</mode></permissions>");
        Errno err = tree.Change(ctx, "mkdir", Where(name),
            () => tree.Driver.CreateItem(fspool, $"<fsitem><name>{SecurityElement.Escape(name)}</name><target>{perms}</target></fsitem>"));
        if (err != Errno.Ok)
            return err;
        child = Item(name, out var error);
        return child is null ? error : Errno.Ok;
    }

    public Errno Rmdir(RequestContext ctx, string name)
    {
        if (ctx.Uid != 0)
            return tree.Fail(ctx, "rmdir", Where(name), Errno.EACCES, "only root may delete items");
        if (Item(name, out var error) is not { } node)
            return error == Errno.ENOENT ? Errno.ENOENT : tree.Fail(ctx, "rmdir", Where(name), error, $"cannot open item '{name}'");
        var found = new List<(string, byte, ulong)>();
        int err;
        using (var fd = node.Use())
            err = fd.Ok ? RealNative.ReadDir(fd.Value, found) : (int)Errno.ESTALE;
        if (err != 0)
            return tree.Fail(ctx, "rmdir", Where(name), (Errno)err, $"cannot read item '{name}'");
        if (found.Count > 0)
            return tree.Fail(ctx, "rmdir", Where(name), Errno.ENOTEMPTY, $"item '{name}' is not empty: delete its content, or write 'delete {name}' to item/{name}/ctl");
        return tree.Change(ctx, "rmdir", Where(name), () => tree.Driver.DeleteItem(fspool, name, JobWait.By(ctx)));
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
