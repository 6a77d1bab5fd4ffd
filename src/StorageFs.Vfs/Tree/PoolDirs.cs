using System.Globalization;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>The control directories of a pool, a volume, an fspool and an item, declared as tables.</summary>
internal static class PoolDirs
{
    public static VDir Pool(StorageTree t, string name, VolumesDir volumes)
    {
        var d = t.Driver;
        string at = $"pools/{name}";
        var vol = new VDir(Modes.DirReadOnly)
        {
            Path = $"{at}/vol",
            Refused = t.Refused,
            Hint = "vol/ follows volumes/: create a volume in volumes/ or through create",
            // Names only, unsorted as volumes/ lists them: a sorted VolumeInfo per volume (its path
            // built) was 100,000 objects of garbage per listing of a pool's vol/.
            List = _ =>
            {
                var names = Names(t, $"pools/{name}/vol", () => d.ListVolumeNames(name));
                volumes.Expect(names.Count);
                return names;
            },
            Find = (_, v) => HasVolume(t, name, v) ? volumes.Control(v) : null,
        };
        // The control files' specs are shared by every pool (10,000 pools: one set of closures
        // and path strings, not 10,000); each file holds the spec and the pool's panel.
        var specs = t.PoolPanel;
        var panel = new PoolPanel(name);
        return t.Dir(at, "volumes live in volumes/")
            .Add("info", new TextFile(specs.Info, panel))
            .Add("xml", new TextFile(specs.Xml, panel))
            .Add("state", new TextFile(specs.State, panel))
            .Add("autostart", new TextFile(specs.Autostart, panel))
            .Add("ctl", new TextFile(specs.Ctl, panel))
            .Add("create", new TextFile(specs.Create, panel))
            .Add("volumes", volumes)
            .Add("vol", vol);
    }

    /// <summary><c>pools/P/</c> as the subject of its control files.</summary>
    internal sealed class PoolPanel(string name) : IPanelSubject
    {
        public string Name => name;

        public string At => "pools/" + name;
    }

    /// <summary>The control files of pools/P/, one spec each for every pool.</summary>
    internal sealed class PoolPanelSpecs(StorageTree t)
    {
        public TextFileSpec Info { get; } = t.Spec<PoolPanel>("info", Modes.ReadOnly,
            (_, p) => t.Driver.GetPoolInfo(p.Name).ToVirshText(bytes: true));

        public TextFileSpec Xml { get; } = t.Spec<PoolPanel>("xml", Modes.ReadWrite,
            (_, p) => t.Driver.GetPoolXml(p.Name), (_, p, doc) => Redefine(t, p.Name, doc), WriteKind.Document);

        public TextFileSpec State { get; } = t.Spec<PoolPanel>("state", Modes.ReadOnly,
            (_, p) => t.Driver.GetPoolInfo(p.Name).StateName + "\n");

        public TextFileSpec Autostart { get; } = t.Spec<PoolPanel>("autostart", Modes.ReadWrite,
            (_, p) => (t.Driver.GetPoolInfo(p.Name).Autostart ? "yes" : "no") + "\n",
            (_, p, c) =>
            {
                NeedsPersistent(t.Driver.GetPoolInfo(p.Name));
                t.Driver.SetPoolAutostart(p.Name, Words.YesNo(c));
                return $"ok autostart {c.Trim()}";
            });

        public TextFileSpec Ctl { get; } = t.Spec<PoolPanel>("ctl", Modes.WriteOnly, null,
            (ctx, p, c) => PoolCommand(t.Driver, p.Name, c, ctx), usage: Words.PoolUsage);

        public TextFileSpec Create { get; } = t.Spec<PoolPanel>("create", Modes.WriteOnly, null,
            (ctx, p, doc) => $"ok created volume {t.Driver.CreateVolume(p.Name, doc, requester: JobWait.By(ctx)).Name}", WriteKind.Document);
    }

    private static string Redefine(StorageTree t, string name, string doc)
    {
        // The driver checks the name before anything is defined: a refused write changes nothing.
        var info = t.Driver.Define(doc, transient: false, onlyName: name);
        return $"ok defined pool {info.Name} {info.Uuid}";
    }

    /// <summary>Autostart is a property of a definition: a transient pool has none (EOPNOTSUPP, docs/TREE.md).</summary>
    private static void NeedsPersistent(PoolInfo info)
    {
        if (!info.Persistent)
            throw new StorageException(ErrorCode.NoSupport, $"'{info.Name}' is transient and has no autostart: define it to make it persistent");
    }

    // A pool that went away (or stopped) between the lookup and the listing lists empty; logged.
    private static IReadOnlyList<string> Names(StorageTree t, string where, Func<IEnumerable<string>> list) =>
        t.Quietly<IReadOnlyList<string>>(where, () => [.. list()], []);

    private static bool Has(StorageTree t, string where, Func<bool> has) => t.Quietly(where, has, false);

    // As Has, with no closure or path string unless the driver refuses: every lookup of a
    // vol/V/ asks (a million after ls -lR of a million volumes).
    private static bool HasVolume(StorageTree t, string pool, string volume)
    {
        try
        {
            return t.Driver.HasVolume(pool, volume);
        }
        catch (StorageException e)
        {
            t.Swallowed($"pools/{pool}/vol/{volume}", e);
            return false;
        }
    }

    internal static string PoolCommand(StorageDriver d, string name, string command, RequestContext ctx)
    {
        string[] w = Words.Split(command);
        bool noWait = JobWait.NoWait(ref w);
        switch (w[0])
        {
            case "start":
                Words.NoArguments(w);
                d.StartPool(name);
                return $"ok started pool {name}";
            case "stop":
                Words.NoArguments(w);
                d.StopPool(name);
                return $"ok stopped pool {name}";
            case "build":
                return JobWait.Run(d.StartBuildPool(name, Words.BuildFlags(w), JobWait.By(ctx, command)), noWait, ctx.Cancellation, $"ok built pool {name}");
            case "refresh":
                Words.NoArguments(w);
                d.RefreshPool(name);
                return $"ok refreshed pool {name}";
            case "undefine":
                Words.ExpectName(w, "undefine", name);
                d.UndefinePool(name);
                return $"ok undefined pool {name}";
            case "delete":
                Words.ExpectName(w, "delete", name);
                d.DeletePool(name);
                return $"ok deleted pool {name}";
            default:
                throw Words.Invalid($"unknown command '{w[0]}' (start, stop, build [overwrite|no-overwrite], refresh, undefine NAME, delete NAME)");
        }
    }

    /// <summary>The control files of vol/V/, one spec each for every volume of every pool.</summary>
    internal sealed class VolumePanelSpecs(StorageTree t)
    {
        public TextFileSpec Info { get; } = t.Spec<VolumeControlDir>("info", Modes.ReadOnly,
            (_, v) => VolumeInfoText(t.Driver, v.Pool, v.Name));

        public TextFileSpec Xml { get; } = t.Spec<VolumeControlDir>("xml", Modes.ReadOnly,
            (_, v) => t.Driver.GetVolumeXml(v.Pool, v.Name));

        public TextFileSpec Path { get; } = t.Spec<VolumeControlDir>("path", Modes.ReadOnly,
            (_, v) => t.Driver.GetVolumePath(v.Pool, v.Name) + "\n");

        public TextFileSpec Key { get; } = t.Spec<VolumeControlDir>("key", Modes.ReadOnly,
            (_, v) => t.Driver.GetVolumeKey(v.Pool, v.Name) + "\n");

        public TextFileSpec Lease { get; } = t.Spec<VolumeControlDir>("lease", Modes.ReadOnly,
            (_, v) => (t.Driver.Cluster?.DescribeVolumeLease(v.Pool, v.Name) ?? "none") + "\n");

        public TextFileSpec Ctl { get; } = t.Spec<VolumeControlDir>("ctl", Modes.WriteOnly, null,
            (ctx, v, c) => VolumeCommand(t.Driver, v.Pool, v.Name, c, ctx), usage: Words.VolumeUsage);
    }

    private static string VolumeInfoText(StorageDriver d, string pool, string name)
    {
        var info = d.GetVolumeInfo(pool, name);
        string text = VolumeContentText.Append(info.ToVirshText(bytes: true), info, d.InspectVolume(pool, name));
        string toolbox = d.DescribeVolumeContent(pool, name);
        return toolbox.Length == 0 ? text : text.TrimEnd('\n') + "\n" + toolbox + "\n";
    }

    // A command that meets the volume still open waits for it to close (the kernel's release
    // of a file closed just before comes after close() returned), then is refused EBUSY.
    internal static string VolumeCommand(StorageDriver d, string pool, string name, string command, RequestContext ctx) =>
        d.Settled(() => VolumeCommandOnce(d, pool, name, command, ctx));

    private static string VolumeCommandOnce(StorageDriver d, string pool, string name, string command, RequestContext ctx)
    {
        string[] w = Words.Split(command);
        bool noWait = JobWait.NoWait(ref w);
        var requester = JobWait.By(ctx, command);
        switch (w[0])
        {
            case "wipe":
                var algorithm = Words.Wipe(w);
                return JobWait.Run(d.StartWipeVolume(pool, name, algorithm, requester), noWait, ctx.Cancellation,
                    $"ok wiped volume {name} ({algorithm.ToString().ToLowerInvariant()})");
            case "resize":
                var (size, flags) = Words.Resize(w);
                // Shrinking without the flag is refused by policy (EPERM, docs/TREE.md), not a bad argument.
                if ((flags & (VolumeResizeFlags.Shrink | VolumeResizeFlags.Delta)) == 0 && size < d.GetVolumeInfo(pool, name).Capacity)
                    throw new StorageException(ErrorCode.OperationDenied,
                        $"Can't shrink capacity below current capacity unless shrink flag explicitly specified: write 'resize {w[1]} shrink'");
                var info = d.ResizeVolume(pool, name, size, flags);
                return string.Create(CultureInfo.InvariantCulture, $"ok resized volume {name} to {info.Capacity}");
            case "clone":
                return CloneCommand.Run(d, pool, name, w, noWait, ctx, requester);
            case "snapshot":
                return SnapshotCommand.Run(d, pool, name, w, noWait, ctx, requester);
            case "archive":
                return ArchiveCommand.Run(d, pool, name, w, noWait, ctx, requester);
            case "restore":
                return RestoreCommand.Run(d, pool, name, w, noWait, ctx, requester);
            case "delete":
                Words.ExpectName(w, "delete", name);
                d.DeleteVolume(pool, name);
                return $"ok deleted volume {name}";
            case var verb when FilesystemCommands.Handles(verb):
                return FilesystemCommands.Run(d, pool, name, w, noWait, ctx, requester);
            default:
                throw Words.Invalid($"unknown command '{w[0]}' (wipe [ALGORITHM], resize SIZE [allocate|delta|shrink], clone NEWNAME [OPTIONS], snapshot NEWNAME, archive DEST [OPTIONS], restore SRC, delete NAME, growfs [SIZE], shrinkfs SIZE [resize])");
        }
    }

    public static VDir FsPool(StorageTree t, string name, ItemsDir items)
    {
        var d = t.Driver;
        string at = $"fspools/{name}";
        var item = new VDir(Modes.DirReadOnly)
        {
            Path = $"{at}/item",
            Refused = t.Refused,
            Hint = "item/ follows items/: create an item with mkdir in items/ or through create",
            // As items/: a listing brings the items up to date with the host, a lookup of an
            // unknown name looks for it there.
            List = _ =>
            {
                items.Sync();
                return Names(t, $"fspools/{name}/item", () => d.ListItemNames(name));
            },
            Find = (_, i) => Has(t, $"fspools/{name}/item/{i}", () => d.HasItem(name, i)) ? t.ItemControl(name, i) : null,
        };
        return t.Dir(at, "items live in items/")
            .Add("info", t.Text($"{at}/info", Modes.ReadOnly, _ => d.GetFsPoolInfo(name).ToVirshText(bytes: true)))
            .Add("xml", t.Text($"{at}/xml", Modes.ReadOnly, _ => d.GetFsPoolXml(name)))
            .Add("state", t.Text($"{at}/state", Modes.ReadOnly, _ => d.GetFsPoolInfo(name).StateName + "\n"))
            .Add("autostart", t.Text($"{at}/autostart", Modes.ReadWrite, _ => (d.GetFsPoolInfo(name).Autostart ? "yes" : "no") + "\n",
                (_, c) => { NeedsPersistent(d.GetFsPoolInfo(name)); d.SetFsPoolAutostart(name, Words.YesNo(c)); return $"ok autostart {c.Trim()}"; }))
            .Add("ctl", t.Text($"{at}/ctl", Modes.WriteOnly, null, (ctx, c) => FsPoolCommand(d, name, c, ctx), usage: Words.FsPoolUsage))
            .Add("create", t.Text($"{at}/create", Modes.WriteOnly, null, (_, doc) => $"ok created item {d.CreateItem(name, doc).Name}", WriteKind.Document))
            .Add("items", items)
            .Add("item", item);
    }

    internal static string FsPoolCommand(StorageDriver d, string name, string command, RequestContext ctx)
    {
        string[] w = Words.Split(command);
        bool noWait = JobWait.NoWait(ref w);
        switch (w[0])
        {
            case "start":
                Words.NoArguments(w);
                d.StartFsPool(name);
                return $"ok started fspool {name}";
            case "stop":
                Words.NoArguments(w);
                d.StopFsPool(name);
                return $"ok stopped fspool {name}";
            case "build":
                return JobWait.Run(d.StartBuildFsPool(name, Words.BuildFlags(w), JobWait.By(ctx, command)), noWait, ctx.Cancellation, $"ok built fspool {name}");
            case "refresh":
                Words.NoArguments(w);
                d.RefreshFsPool(name);
                return $"ok refreshed fspool {name}";
            case "undefine":
                Words.ExpectName(w, "undefine", name);
                d.UndefineFsPool(name);
                return $"ok undefined fspool {name}";
            case "delete":
                Words.ExpectName(w, "delete", name);
                d.DeleteFsPool(name);
                return $"ok deleted fspool {name}";
            default:
                throw Words.Invalid($"unknown command '{w[0]}' (start, stop, build, refresh, undefine NAME, delete NAME)");
        }
    }

    public static VDir Item(StorageTree t, string fspool, string name)
    {
        var d = t.Driver;
        string at = $"fspools/{fspool}/item/{name}";
        return t.Dir(at, $"use the commands of {at}/ctl")
            .Add("info", t.Text($"{at}/info", Modes.ReadOnly, _ => d.GetItemInfo(fspool, name).ToVirshText(bytes: true)))
            .Add("xml", t.Text($"{at}/xml", Modes.ReadOnly, _ => d.GetItemXml(fspool, name)))
            .Add("path", t.Text($"{at}/path", Modes.ReadOnly, _ => d.GetItemPath(fspool, name) + "\n"))
            .Add("ctl", t.Text($"{at}/ctl", Modes.WriteOnly, null, (ctx, c) =>
            {
                string[] w = Words.Split(c);
                bool noWait = JobWait.NoWait(ref w);
                if (w[0] != "delete")
                    throw Words.Invalid($"unknown command '{w[0]}' (delete NAME)");
                Words.ExpectName(w, "delete", name);
                return JobWait.Run(d.StartDeleteItem(fspool, name, JobWait.By(ctx, c)), noWait, ctx.Cancellation, $"ok deleted item {name}");
            }, usage: Words.ItemUsage));
    }
}
