using Serilog;
using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Vfs.Host;

/// <summary>
/// A directory mirroring a host directory (files and subdirectories). Nodes are cached by name so
/// a name always maps to one node while the kernel knows it. When <see cref="Watch"/> is on,
/// inotify reports changes made by other programs and the kernel is told at once (INVAL_INODE,
/// INVAL_ENTRY, DELETE), so long cache timeouts never show stale data.
/// </summary>
public sealed class HostDir : Node, INodeLookup, INodeReadDir, INodeCreate, INodeUnlink, INodeMkdir, INodeRmdir, INodeRename
{
    private readonly Dictionary<string, Node> _known = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeSpan? _timeout;
    private FileSystemWatcher? _watcher;

    public HostDir(string path, TimeSpan? timeout)
    {
        Path = path;
        _timeout = timeout;
    }

    public string Path { get; }

    public override TimeSpan? EntryTimeout => _timeout;

    public override TimeSpan? AttrTimeout => _timeout;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => HostStat.Fill(Path, ref attr);

    private string Child(string name) => System.IO.Path.Combine(Path, name);

    private Node Known(string name, bool isDir)
    {
        lock (_gate)
        {
            if (_known.TryGetValue(name, out var n) && (n is HostDir) == isDir)
                return n;
            n = isDir ? new HostDir(Child(name), _timeout) : new HostFile(Child(name), _timeout);
            _known[name] = n;
            return n;
        }
    }

    private Node? Forget(string name)
    {
        lock (_gate)
            return _known.Remove(name, out var n) ? n : null;
    }

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        child = null;
        string p = Child(name);
        if (Directory.Exists(p))
            child = Known(name, isDir: true);
        else if (File.Exists(p))
            child = Known(name, isDir: false);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        try
        {
            foreach (var info in new DirectoryInfo(Path).EnumerateFileSystemInfos())
            {
                bool dir = (info.Attributes & FileAttributes.Directory) != 0;
                entries.Add(new DirEntry(info.Name, dir ? Modes.Dir : Modes.Reg, Known(info.Name, dir)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        return Errno.Ok;
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        child = null;
        handle = null;
        string p = Child(name);
        try
        {
            using (new FileStream(p, (flags & 0x80) != 0 ? FileMode.CreateNew : FileMode.OpenOrCreate, FileAccess.Write))
            {
            }
            File.SetUnixFileMode(p, (UnixFileMode)(mode & 0xFFF));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        child = Known(name, isDir: false);
        Errno err = BackingFileHandle.Open(p, flags, out var h);
        handle = h;
        return err;
    }

    public Errno Unlink(RequestContext ctx, string name)
    {
        string p = Child(name);
        if (!File.Exists(p))
            return Directory.Exists(p) ? Errno.EISDIR : Errno.ENOENT;
        try
        {
            File.Delete(p);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        Forget(name);
        return Errno.Ok;
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = null;
        string p = Child(name);
        if (File.Exists(p) || Directory.Exists(p))
            return Errno.EEXIST;
        try
        {
            Directory.CreateDirectory(p, (UnixFileMode)(mode & 0xFFF));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        child = Known(name, isDir: true);
        return Errno.Ok;
    }

    public Errno Rmdir(RequestContext ctx, string name)
    {
        string p = Child(name);
        if (!Directory.Exists(p))
            return File.Exists(p) ? Errno.ENOTDIR : Errno.ENOENT;
        if (Directory.EnumerateFileSystemEntries(p).Any())
            return Errno.ENOTEMPTY;
        try
        {
            Directory.Delete(p);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        Forget(name);
        return Errno.Ok;
    }

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags)
    {
        if (newParent is not HostDir to)
            return Errno.EXDEV;
        if (flags != 0)
            return Errno.EINVAL;
        string from = Child(name), dest = to.Child(newName);
        try
        {
            if (Directory.Exists(from))
                Directory.Move(from, dest);
            else
                File.Move(from, dest, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        Forget(name);
        to.Forget(newName);
        return Errno.Ok;
    }

    /// <summary>
    /// Starts telling the kernel about changes other programs make in this directory and every
    /// directory below it. Event names are paths relative to this directory; each is handled by
    /// the directory node holding the last component.
    /// </summary>
    public void Watch(Notifier notifier, ILogger log)
    {
        _watcher = new FileSystemWatcher(Path)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite,
        };
        _watcher.Changed += (_, e) => Holder(e.Name, out string leaf)?.Changed(notifier, leaf);
        _watcher.Created += (_, e) => Holder(e.Name, out string leaf)?.Gone(notifier, leaf);
        _watcher.Deleted += (_, e) => Holder(e.Name, out string leaf)?.Gone(notifier, leaf);
        _watcher.Renamed += (_, e) =>
        {
            Holder(e.OldName, out string oldLeaf)?.Gone(notifier, oldLeaf);
            Holder(e.Name, out string leaf)?.Gone(notifier, leaf);
        };
        _watcher.Error += (_, e) => log.Warning(e.GetException(), "Watching {Path} failed", Path);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>
    /// The node of the directory holding <paramref name="relative"/>, or null when some
    /// directory on the way has no node: the kernel only learns names through
    /// <see cref="Known"/>, so it cannot have cached anything below a directory without one.
    /// </summary>
    private HostDir? Holder(string? relative, out string leaf)
    {
        leaf = "";
        if (string.IsNullOrEmpty(relative))
            return null;
        string[] parts = relative.Split('/');
        HostDir dir = this;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            Node? n;
            lock (dir._gate)
                dir._known.TryGetValue(parts[i], out n);
            if (n is not HostDir sub)
                return null;
            dir = sub;
        }
        leaf = parts[^1];
        return dir;
    }

    private void Changed(Notifier notifier, string name)
    {
        Node? n;
        lock (_gate)
            _known.TryGetValue(name, out n);
        if (n is not null)
            notifier.InvalidateInode(n);
    }

    private void Gone(Notifier notifier, string name)
    {
        Node? n;
        lock (_gate)
            _known.TryGetValue(name, out n);
        notifier.InvalidateEntry(this, name);
        if (n is not null)
            notifier.InvalidateInode(n);
    }
}
