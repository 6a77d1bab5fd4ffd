namespace StorageFs.Fuse.Tests;

/// <summary>A minimal directory for protocol tests: a name → node map.</summary>
internal sealed class TestDir : Node, INodeLookup, INodeReadDir, INodeMkdir, INodeXattr
{
    public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, byte[]> Xattrs { get; } = [];

    public int LookupCalls { get; private set; }

    /// <summary>List names without their nodes, and ask READDIRPLUS for names only.</summary>
    public bool NamesOnly { get; set; }

    public override ListedAttributes ListsAttributes => NamesOnly ? ListedAttributes.NamesOnly : ListedAttributes.All;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
    {
        attr.Mode = 0x4000 | 0x1ED;
        attr.Nlink = 2;
        return Errno.Ok;
    }

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        LookupCalls++;
        return Children.TryGetValue(name, out child) ? Errno.Ok : Errno.ENOENT;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        foreach (var (name, node) in Children.OrderBy(c => c.Key, StringComparer.Ordinal))
            entries.Add(new DirEntry(name, node is TestDir ? 0x4000u : 0x8000u, NamesOnly ? null : node));
        return Errno.Ok;
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = new TestDir();
        return Children.TryAdd(name, child) ? Errno.Ok : Errno.EEXIST;
    }

    public Errno GetXattr(RequestContext ctx, string name, out byte[] value) =>
        Xattrs.TryGetValue(name, out value!) ? Errno.Ok : Errno.ENODATA;

    public Errno SetXattr(RequestContext ctx, string name, ReadOnlySpan<byte> value, int flags)
    {
        Xattrs[name] = value.ToArray();
        return Errno.Ok;
    }

    public Errno ListXattr(RequestContext ctx, List<string> names)
    {
        names.AddRange(Xattrs.Keys.Order(StringComparer.Ordinal));
        return Errno.Ok;
    }

    public Errno RemoveXattr(RequestContext ctx, string name) => Xattrs.Remove(name) ? Errno.Ok : Errno.ENODATA;
}

/// <summary>A regular file for protocol tests; its handle serves <see cref="Data"/> or, if set, a host backing file.</summary>
internal sealed class TestFile(byte[] data) : Node, INodeOpen
{
    public byte[] Data { get; set; } = data;

    public string? BackingPath { get; set; }

    /// <summary>The backing handle says its descriptor is no passthrough backing (a device).</summary>
    public bool NoPassthrough { get; set; }

    public Func<RequestContext, Errno>? OnRead { get; set; }

    /// <summary>When set, every open fails with this.</summary>
    public Errno? OpenError { get; set; }

    /// <summary>When set, runs first in every open (a test makes it throw).</summary>
    public Action? OnOpen { get; set; }

    /// <summary>When set, opens return a handle that overrides Flush and answers with this.</summary>
    public Func<Errno>? OnFlush { get; set; }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
    {
        attr.Mode = 0x8000 | 0x1A4;
        attr.Nlink = 1;
        attr.Size = (ulong)Data.Length;
        return Errno.Ok;
    }

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        OnOpen?.Invoke();
        if (OpenError is { } fail)
        {
            handle = null;
            return fail;
        }
        if (BackingPath is not null)
        {
            Errno e = BackingFileHandle.Open(BackingPath, flags, out var b);
            handle = NoPassthrough && b is not null ? new DeviceLikeHandle(b.TakeFile()) : b;
            return e;
        }
        handle = OnFlush is { } flush ? new FlushingHandle(flush) : new Handle(this);
        return Errno.Ok;
    }

    private sealed class FlushingHandle(Func<Errno> flush) : FileHandle
    {
        public override Errno Flush(RequestContext ctx) => flush();
    }

    private sealed class Handle(TestFile file) : FileHandle
    {
        public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
        {
            bytesRead = 0;
            if (file.OnRead is { } hook)
            {
                Errno e = hook(ctx);
                if (e != Errno.Ok)
                    return e;
            }
            if (offset >= file.Data.Length)
                return Errno.Ok;
            bytesRead = Math.Min(buffer.Length, file.Data.Length - (int)offset);
            file.Data.AsSpan((int)offset, bytesRead).CopyTo(buffer);
            return Errno.Ok;
        }

        public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
        {
            int end = (int)offset + data.Length;
            if (end > file.Data.Length)
            {
                var grown = file.Data;
                Array.Resize(ref grown, end);
                file.Data = grown;
            }
            data.CopyTo(file.Data.AsSpan((int)offset));
            bytesWritten = data.Length;
            return Errno.Ok;
        }
    }
}

/// <summary>A backing handle whose descriptor the kernel would refuse as a backing file.</summary>
internal sealed class DeviceLikeHandle(Microsoft.Win32.SafeHandles.SafeFileHandle file) : BackingFileHandle(file)
{
    public override bool OffersPassthrough => false;
}
