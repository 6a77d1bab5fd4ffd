namespace StorageFs.Fuse.Tests;

public sealed class ReaddirTests
{
    private static (Harness h, ulong fh) OpenRoot(int files)
    {
        var h = new Harness();
        for (int i = 0; i < files; i++)
            h.Root.Children[$"file{i:D3}" + new string('x', i % 9)] = new TestFile(new byte[i]);
        var r = h.Send(Req.Make(Opcode.Opendir, 1, new byte[8]));
        Assert.Equal(0, r.Error);
        return (h, r.As<Wire.FuseOpenOut>().Fh);
    }

    internal static List<(ulong Ino, ulong Off, uint Type, string Name, Wire.FuseEntryOut? Entry)> Parse(ReadOnlySpan<byte> body, bool plus)
    {
        var list = new List<(ulong, ulong, uint, string, Wire.FuseEntryOut?)>();
        int pos = 0;
        int entrySize = Unsafe.SizeOf<Wire.FuseEntryOut>();
        while (pos < body.Length)
        {
            Wire.FuseEntryOut? e = plus ? MemoryMarshal.Read<Wire.FuseEntryOut>(body[pos..]) : null;
            int d = pos + (plus ? entrySize : 0);
            var dirent = MemoryMarshal.Read<Wire.FuseDirent>(body[d..]);
            string name = Encoding.UTF8.GetString(body.Slice(d + 24, (int)dirent.NameLen));
            int rec = ((plus ? entrySize : 0) + 24 + (int)dirent.NameLen + 7) & ~7;
            Assert.True(body.Slice(d + 24 + (int)dirent.NameLen, rec - (plus ? entrySize : 0) - 24 - (int)dirent.NameLen).IndexOfAnyExcept((byte)0) < 0, "padding must be zero");
            list.Add((dirent.Ino, dirent.Off, dirent.Type, name, e));
            pos += rec;
        }
        Assert.Equal(body.Length, pos);
        return list;
    }

    [Fact]
    public void Readdir_PacksAlignedRecords_WithDotEntries_AndResumesAtTheOffset()
    {
        var (h, fh) = OpenRoot(40);
        var seen = new List<string>();
        ulong offset = 0;
        int calls = 0;
        while (true)
        {
            var r = h.Send(Req.Make(Opcode.Readdir, 1, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Offset = offset, Size = 256 })));
            Assert.Equal(0, r.Error);
            Assert.True(r.Body.Length <= 256);
            Assert.Equal(0, r.Body.Length % 8);
            var recs = Parse(r.Body, plus: false);
            if (recs.Count == 0)
                break;
            calls++;
            foreach (var rec in recs)
            {
                Assert.NotEqual(0ul, rec.Ino);
                Assert.Equal(rec.Name is "." or ".." ? 4u : 8u, rec.Type);
                seen.Add(rec.Name);
            }
            offset = recs[^1].Off;
        }
        Assert.True(calls > 3);
        Assert.Equal(42, seen.Count);
        Assert.Equal(".", seen[0]);
        Assert.Equal("..", seen[1]);
        Assert.Equal(h.Root.Children.Keys.Order(StringComparer.Ordinal), seen.Skip(2));
    }

    [Fact]
    public void Readdirplus_CarriesEntriesWithLookups_ButNotForDotEntries()
    {
        var (h, fh) = OpenRoot(3);
        var r = h.Send(Req.Make(Opcode.Readdirplus, 1, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Offset = 0, Size = 4096 })));
        Assert.Equal(0, r.Error);
        var recs = Parse(r.Body, plus: true);
        Assert.Equal(5, recs.Count);
        Assert.Equal(0ul, recs[0].Entry!.Value.NodeId);
        Assert.Equal(0ul, recs[1].Entry!.Value.NodeId);
        foreach (var rec in recs.Skip(2))
        {
            var e = rec.Entry!.Value;
            Assert.NotEqual(0ul, e.NodeId);
            Assert.Equal(e.NodeId, rec.Ino);
            var node = h.Dispatcher.Nodes.Get(e.NodeId);
            Assert.Same(h.Root.Children[rec.Name], node);
            Assert.Equal(1, node!.Lookups);
            Assert.Equal((ulong)((TestFile)node).Data.Length, e.Attr.Size);
        }
        Assert.Equal(0, h.Root.LookupCalls); // entries carried their nodes: no second lookup
    }

    [Fact]
    public void Readdirplus_FirstReplyOfADirectoryListingNamesOnly_GivesNodeIdZero_AndLooksNothingUp()
    {
        var (h, fh) = OpenRoot(5);
        h.Root.NamesOnly = true;
        ulong dirFh = h.Send(Req.Make(Opcode.Opendir, 1, new byte[8])).As<Wire.FuseOpenOut>().Fh;
        var r = h.Send(Req.Make(Opcode.Readdirplus, 1, Req.Bytes(new Wire.FuseReadIn { Fh = dirFh, Offset = 0, Size = 4096 })));
        Assert.Equal(0, r.Error);
        var recs = Parse(r.Body, plus: true);
        Assert.Equal(7, recs.Count);
        Assert.All(recs, rec => Assert.Equal(0ul, rec.Entry!.Value.NodeId));
        Assert.All(recs.Skip(2), rec => Assert.Equal(8u, rec.Type));
        Assert.All(recs.Skip(2), rec => Assert.NotEqual(0ul, rec.Ino));
        Assert.Equal(0, h.Root.LookupCalls);
        Assert.Equal(1, h.Dispatcher.Nodes.Count); // the root alone: no node made for a listed name

        // A later READDIRPLUS comes only once the reader looked names up (ls -l): attributes again.
        var later = Parse(h.Send(Req.Make(Opcode.Readdirplus, 1, Req.Bytes(new Wire.FuseReadIn { Fh = dirFh, Offset = 4, Size = 4096 }))).Body, plus: true);
        Assert.Equal(3, later.Count);
        Assert.All(later, rec => Assert.NotEqual(0ul, rec.Entry!.Value.NodeId));
        Assert.Equal(3, h.Root.LookupCalls);
        _ = fh;
    }

    private static uint OpenFlags(Harness h) => h.Send(Req.Make(Opcode.Opendir, 1, new byte[8])).As<Wire.FuseOpenOut>().OpenFlags;

    private static ulong Opendir(Harness h, out uint flags)
    {
        var o = h.Send(Req.Make(Opcode.Opendir, 1, new byte[8])).As<Wire.FuseOpenOut>();
        flags = o.OpenFlags;
        return o.Fh;
    }

    private static void Releasedir(Harness h, ulong fh) =>
        h.Send(Req.Make(Opcode.Releasedir, 1, Req.Bytes(new Wire.FuseReleaseIn { Fh = fh })));

    [Fact]
    public void Opendir_OfALargeDirectory_LetsTheKernelCacheTheListing_AndKeepsItOnlyWhileTheListingIsTheSame()
    {
        const uint CacheDir = (uint)OpenReplyFlags.CacheDir, Keep = (uint)OpenReplyFlags.KeepCache;
        var h = new Harness(new FuseServerOptions { CachedListingMinEntries = 8 });
        for (int i = 0; i < 8; i++)
            h.Root.Children[$"f{i}"] = new TestFile([]);

        Releasedir(h, Opendir(h, out uint once));
        Assert.Equal(0u, once); // the first listing through this inode: not worth filling a cache for
        Releasedir(h, Opendir(h, out uint first));
        Assert.Equal(CacheDir, first); // the kernel starts its cache afresh (no KEEP_CACHE: it drops what it had)
        Releasedir(h, Opendir(h, out uint same));
        Assert.Equal(CacheDir | Keep, same); // the same listing: the kernel serves it from its cache

        h.Root.Children["late"] = new TestFile([]);
        ulong filling = Opendir(h, out uint changed);
        Assert.Equal(CacheDir, changed); // another listing: the cache is dropped and filled again
        h.Root.Children.Remove("f0");
        ulong other = Opendir(h, out uint whileFilling);
        Assert.Equal(0u, whileFilling); // a handle on the older listing may still fill the cache
        Releasedir(h, other);
        Releasedir(h, filling);
        Releasedir(h, Opendir(h, out uint after));
        Assert.Equal(CacheDir, after); // so the next open drops it, even for the same listing
        Releasedir(h, Opendir(h, out uint settled));
        Assert.Equal(CacheDir | Keep, settled);

        // A listing read afresh at offset 0 (rewinddir) may be what the kernel caches next.
        ulong rewound = Opendir(h, out _);
        var read = Req.Bytes(new Wire.FuseReadIn { Fh = rewound, Offset = 0, Size = 4096 });
        h.Send(Req.Make(Opcode.Readdir, 1, read));
        h.Root.Children["f0"] = new TestFile([]);
        h.Send(Req.Make(Opcode.Readdir, 1, read));
        Releasedir(h, rewound);
        Assert.Equal(CacheDir, OpenFlags(h) & (CacheDir | Keep));

        var small = new Harness(new FuseServerOptions { CachedListingMinEntries = 9 });
        for (int i = 0; i < 8; i++)
            small.Root.Children[$"f{i}"] = new TestFile([]);
        Assert.Equal(0u, OpenFlags(small)); // below the size: listed afresh every time, never cached
        Assert.Equal(0u, OpenFlags(small));
        Assert.Equal(0u, OpenFlags(new Harness(new FuseServerOptions { CacheListings = false, CachedListingMinEntries = 0 })));
    }

    /// <summary>A directory numbering its listings (as volumes/ does with the driver's number).</summary>
    private sealed class NumberedDir : Node, INodeVersionedReadDir
    {
        public List<string> Names { get; } = [];

        public ulong Version { get; set; } = 7;

        public int Digestless { get; private set; }

        /// <summary>Add nothing when asked with the current number (as volumes/ does).</summary>
        public bool HonorsKnown { get; set; }

        public List<ulong> KnownAsked { get; } = [];

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
        {
            attr.Mode = 0x4000 | 0x1ED;
            return Errno.Ok;
        }

        public Errno ReadDir(RequestContext ctx, List<DirEntry> entries) => ReadDir(ctx, entries, 0, out _);

        public Errno ReadDir(RequestContext ctx, List<DirEntry> entries, ulong known, out ulong version)
        {
            Digestless++;
            KnownAsked.Add(known);
            version = Version;
            if (HonorsKnown && known == Version)
                return Errno.Ok;
            entries.AddRange(Names.Select(n => new DirEntry(n, 0x8000)));
            return Errno.Ok;
        }
    }

    [Fact]
    public void Opendir_OfADirectoryNumberingItsListings_KeepsTheKernelsCacheWhileTheNumberStays()
    {
        const uint CacheDir = (uint)OpenReplyFlags.CacheDir, Keep = (uint)OpenReplyFlags.KeepCache;
        var h = new Harness(new FuseServerOptions { CachedListingMinEntries = 4 });
        var dir = new NumberedDir();
        dir.Names.AddRange(["a", "b", "c", "d"]);
        h.Root.Children["n"] = dir;
        ulong id = h.Send(Req.Make(Opcode.Lookup, 1, Req.Name("n"))).As<Wire.FuseEntryOut>().NodeId;
        uint Open()
        {
            var o = h.Send(Req.Make(Opcode.Opendir, id, new byte[8])).As<Wire.FuseOpenOut>();
            Releasedir(h, o.Fh);
            return o.OpenFlags;
        }

        Assert.Equal(0u, Open());
        Assert.Equal(CacheDir, Open());
        Assert.Equal(CacheDir | Keep, Open());
        dir.Names.Add("e"); // the number says whether the listing changed, not the entries
        Assert.Equal(CacheDir | Keep, Open());
        dir.Version = 8;
        Assert.Equal(CacheDir, Open());
        Assert.Equal(CacheDir | Keep, Open());
        Assert.Equal(6, dir.Digestless);

        // The kernel forgets the directory and looks it up again: a new inode, whose cache is empty.
        Assert.Null(h.TrySend(Req.Make(Opcode.Forget, id, Req.Bytes(new Wire.FuseForgetIn { Nlookup = 1 }))));
        id = h.Send(Req.Make(Opcode.Lookup, 1, Req.Name("n"))).As<Wire.FuseEntryOut>().NodeId;
        Assert.Equal(0u, Open());
        Assert.Equal(CacheDir, Open());
        Assert.Equal(CacheDir | Keep, Open());
    }

    [Fact]
    public void Readdirplus_ThatRunsOutOfRoom_CountsNoLookupForTheEntryLeftOut()
    {
        var (h, fh) = OpenRoot(3);
        // Room for "." and ".." and one file (each plus record is 128 + 24 + name, aligned).
        var r = h.Send(Req.Make(Opcode.Readdirplus, 1, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Offset = 0, Size = 3 * 160 + 100 })));
        var recs = Parse(r.Body, plus: true);
        Assert.Equal(3, recs.Count);
        Assert.Equal(1, h.Dispatcher.Nodes.Count - 1); // the root plus exactly one looked-up child
    }

    [Fact]
    public void Readdir_AtOffsetZeroAgain_ListsAfresh()
    {
        var (h, fh) = OpenRoot(1);
        var first = Parse(h.Send(Req.Make(Opcode.Readdir, 1, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Size = 4096 }))).Body, false);
        h.Root.Children["late"] = new TestFile([]);
        var again = Parse(h.Send(Req.Make(Opcode.Readdir, 1, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Size = 4096 }))).Body, false);
        Assert.Equal(3, first.Count);
        Assert.Equal(4, again.Count);
        Assert.Contains(again, e => e.Name == "late");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Readdir_OfMultibyteNames_FillsEveryBufferSizeWithoutOverrun_AndLosesNoName(bool plus)
    {
        var h = new Harness();
        string[] names = ["é", "日本語のファイル名", new string('ü', 120), "a", "💾disk", new string('x', 255), "mixé日"];
        foreach (string n in names)
            h.Root.Children[n] = new TestFile([]);
        for (uint size = 40; size <= 1200; size += 7)
        {
            ulong fh = h.Send(Req.Make(Opcode.Opendir, 1, new byte[8])).As<Wire.FuseOpenOut>().Fh;
            var seen = new List<string>();
            ulong offset = 0;
            for (int call = 0; call < 100; call++)
            {
                var r = h.Send(Req.Make(plus ? Opcode.Readdirplus : Opcode.Readdir, 1, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Offset = offset, Size = size })));
                Assert.Equal(0, r.Error);
                Assert.True(r.Body.Length <= size, $"reply of {r.Body.Length} bytes for a {size}-byte buffer");
                var recs = Parse(r.Body, plus);
                if (recs.Count == 0)
                    break;
                seen.AddRange(recs.Select(x => x.Name));
                offset = recs[^1].Off;
            }
            h.Send(Req.Make(Opcode.Releasedir, 1, Req.Bytes(new Wire.FuseReleaseIn { Fh = fh })));
            // A buffer too small for the longest record lists up to it and stops: never a partial record.
            int recordOf255 = (plus ? Unsafe.SizeOf<Wire.FuseEntryOut>() : 0) + 24 + 255;
            if (size >= recordOf255 + 8)
                Assert.Equal(names.Order(StringComparer.Ordinal), seen.Skip(2).Order(StringComparer.Ordinal));
            else
                Assert.All(seen.Skip(2), n => Assert.Contains(n, names));
        }
    }

    /// <summary>Every plain READDIR reply of one opening of <paramref name="id"/>, read with
    /// buffers of <paramref name="size"/> bytes, concatenated.</summary>
    private static byte[] ListPlain(Harness h, ulong id, uint size)
    {
        var o = h.Send(Req.Make(Opcode.Opendir, id, new byte[8])).As<Wire.FuseOpenOut>();
        var all = new List<byte>();
        ulong offset = 0;
        while (true)
        {
            var r = h.Send(Req.Make(Opcode.Readdir, id, Req.Bytes(new Wire.FuseReadIn { Fh = o.Fh, Offset = offset, Size = size })));
            Assert.Equal(0, r.Error);
            Assert.True(r.Body.Length <= size);
            var recs = Parse(r.Body, plus: false);
            if (recs.Count == 0)
                break;
            all.AddRange(r.Body.ToArray());
            offset = recs[^1].Off;
        }
        Releasedir(h, o.Fh);
        return all.ToArray();
    }

    [Theory]
    [InlineData(64u)]
    [InlineData(200u)]
    [InlineData(4096u)]
    public void Opendir_OfANumberedListingStillTheSame_ServesTheKeptCopy_ByteForByteAsTheNodesOwn(uint size)
    {
        string[] names = [.. Enumerable.Range(0, 40).Select(i => $"v{i:D2}" + new string('é', i % 5) + (i % 7 == 0 ? "日本" : ""))];
        (Harness, NumberedDir, ulong) Make(int minEntries)
        {
            var h = new Harness(new FuseServerOptions { CachedListingMinEntries = minEntries });
            var dir = new NumberedDir { HonorsKnown = true };
            dir.Names.AddRange(names);
            h.Root.Children["n"] = dir;
            return (h, dir, h.Send(Req.Make(Opcode.Lookup, 1, Req.Name("n"))).As<Wire.FuseEntryOut>().NodeId);
        }
        var (kept, keptDir, keptId) = Make(minEntries: 8);
        var (plain, _, plainId) = Make(minEntries: 1000); // below the size: listed and encoded every time

        byte[] reference = ListPlain(plain, plainId, size);
        Assert.Equal(names.Length + 2, Parse(reference, plus: false).Count);
        Assert.Equal(reference, ListPlain(kept, keptId, size)); // listed by the node, then packed
        Assert.Equal(reference, ListPlain(kept, keptId, size)); // the kept copy: the node added nothing
        Assert.Equal([0ul, 7ul], keptDir.KnownAsked);

        // A new number: the node lists again, and the new name shows.
        keptDir.Names.Add("late");
        keptDir.Version = 8;
        var again = Parse(ListPlain(kept, keptId, size), plus: false);
        Assert.Equal(names.Length + 3, again.Count);
        Assert.Contains(again, e => e.Name == "late");
        Assert.Equal([0ul, 7ul, 7ul], keptDir.KnownAsked);
        Assert.Equal(again.Select(e => e.Name), Parse(ListPlain(kept, keptId, size), plus: false).Select(e => e.Name));
        Assert.Equal(8ul, keptDir.KnownAsked[^1]);
    }
}
