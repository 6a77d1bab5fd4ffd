namespace StorageFs.Fuse.Nodes;

// The operations a node can opt into, one small interface each (go-fuse fs/api.go).
// A node that does not implement one gets the engine's default answer, documented per
// interface. Names are single path components, never "." or ".." (the kernel resolves those).

/// <summary>LOOKUP: find a child by name. Return ENOENT (or Ok with null) when there is none.</summary>
public interface INodeLookup
{
    Errno Lookup(RequestContext ctx, string name, out Node? child);
}

/// <summary>OPENDIR/READDIR(PLUS): list the directory. Called once per opendir (and on rewind);
/// the engine serves READDIR offsets from that snapshot and adds "." and "..".</summary>
public interface INodeReadDir
{
    Errno ReadDir(RequestContext ctx, List<DirEntry> entries);
}

/// <summary>
/// OPENDIR of a directory that numbers its listings: <paramref name="version"/> comes with the
/// entries, read together with them, and changes whenever they may have (never back to an
/// earlier number; 0 for "no number"). The engine then tells whether the kernel's cached listing
/// is still this one (<see cref="FuseServerOptions.CacheListings"/>) from the number instead of a
/// digest of every entry. Used instead of <see cref="INodeReadDir.ReadDir"/> when implemented.
/// <paramref name="known"/> is the number of a listing the engine still holds (0: none): when
/// the listing is still that one, the node may return <paramref name="known"/> and add nothing,
/// and the engine serves its copy (a large listing is then neither read again nor encoded again).
/// </summary>
public interface INodeVersionedReadDir : INodeReadDir
{
    Errno ReadDir(RequestContext ctx, List<DirEntry> entries, ulong known, out ulong version);
}

/// <summary>OPEN: return a handle serving the file's I/O. Default without it: EPERM.</summary>
public interface INodeOpen
{
    Errno Open(RequestContext ctx, int flags, out FileHandle? handle);
}

/// <summary>SETATTR (chmod, chown, truncate, utimes). Fill <paramref name="attr"/> with the result.
/// Default without it: EPERM.</summary>
public interface INodeSetAttr
{
    Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr);
}

/// <summary>CREATE: make and open a regular file.</summary>
public interface INodeCreate
{
    Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle);
}

/// <summary>MKDIR.</summary>
public interface INodeMkdir
{
    Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child);
}

/// <summary>MKNOD (regular files when CREATE is absent, fifos, devices).</summary>
public interface INodeMknod
{
    Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child);
}

/// <summary>UNLINK.</summary>
public interface INodeUnlink
{
    Errno Unlink(RequestContext ctx, string name);
}

/// <summary>RMDIR.</summary>
public interface INodeRmdir
{
    Errno Rmdir(RequestContext ctx, string name);
}

/// <summary>RENAME and RENAME2; <paramref name="flags"/> are renameat2's (RENAME_NOREPLACE 1, RENAME_EXCHANGE 2).</summary>
public interface INodeRename
{
    Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags);
}

/// <summary>LINK: a new name in this directory for <paramref name="target"/>.</summary>
public interface INodeLink
{
    Errno Link(RequestContext ctx, Node target, string name, out Node? child);
}

/// <summary>SYMLINK.</summary>
public interface INodeSymlink
{
    Errno Symlink(RequestContext ctx, string target, string name, out Node? child);
}

/// <summary>
/// READLINK. With <see cref="FuseServerOptions.CacheSymlinks"/> (the default) the kernel keeps
/// the first target read until it forgets the inode or is told (<see cref="Notifier.InvalidateInode"/>):
/// a link whose target changes should be a new node (a LOOKUP answering another node id makes
/// the kernel drop the old inode at once, fs/fuse/dir.c fuse_dentry_revalidate).
/// </summary>
public interface INodeReadlink
{
    Errno Readlink(RequestContext ctx, out string target);
}

/// <summary>
/// Extended attributes. Default without it: EOPNOTSUPP on get, set and remove, an empty list
/// (as procfs answers). EOPNOTSUPP rather than ENODATA matters: ls, cp and libacl remember an
/// unsupported device and stop asking, where ENODATA costs two round trips per file of ls -l.
/// </summary>
public interface INodeXattr
{
    Errno GetXattr(RequestContext ctx, string name, out byte[] value);

    Errno SetXattr(RequestContext ctx, string name, ReadOnlySpan<byte> value, int flags);

    Errno ListXattr(RequestContext ctx, List<string> names);

    Errno RemoveXattr(RequestContext ctx, string name);
}

/// <summary>STATFS. Default without it: zero counts, 4096-byte blocks, 255-byte names.</summary>
public interface INodeStatfs
{
    Errno Statfs(RequestContext ctx, ref FuseKstatfs st);
}

/// <summary>ACCESS. Default without it: allowed (the kernel checks modes with default_permissions).</summary>
public interface INodeAccess
{
    Errno Access(RequestContext ctx, int mask);
}
