using System.Globalization;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Logical;

/// <summary>
/// The LVM command lines of libvirt's logical backend (src/storage/storage_backend_logical.c),
/// built as data so tests can compare them with the corpus (<c>pool-argv</c> rows:
/// <c>vgchange -aly VG</c>). With <paramref name="deviceMapper"/> false every command gets
/// <c>--driverloaded n</c> right after its name: LVM then edits metadata only and never talks to
/// device-mapper (the test machine's kernel has none); the argv is otherwise unchanged.
/// Reports use <c>--reportformat json</c> with bytes and no suffix.
/// </summary>
/// <param name="deviceMapper">True in production.</param>
public sealed class LvmCommands(bool deviceMapper = true)
{
    private const string LvFields = "lv_name,origin,lv_uuid,devices,segtype,stripes,seg_size,vg_extent_size,lv_size,lv_attr,lv_path";

    /// <summary>The commands for this host: libvirt's where the kernel has device-mapper, else
    /// with <c>--driverloaded n</c> (metadata only; LV nodes cannot exist without it).</summary>
    public static LvmCommands ForHost() => new(Directory.Exists("/sys/class/misc/device-mapper"));

    /// <summary>True when LVM may activate volumes (device-mapper present).</summary>
    public bool DeviceMapper { get; } = deviceMapper;

    /// <summary>Start: <c>vgchange -aly VG</c> (virStorageBackendLogicalSetActive).</summary>
    public IReadOnlyList<string> Activate(string vg) => Cmd("vgchange", "-aly", vg);

    /// <summary>Stop: <c>vgchange -aln VG</c>.</summary>
    public IReadOnlyList<string> Deactivate(string vg) => Cmd("vgchange", "-aln", vg);

    /// <summary>Build, per device: <c>pvcreate DEV</c>.</summary>
    public IReadOnlyList<string> PvCreate(string device) => Cmd("pvcreate", device);

    /// <summary>Build: <c>vgcreate VG DEV…</c>.</summary>
    public IReadOnlyList<string> VgCreate(string vg, IEnumerable<string> devices) => Cmd(["vgcreate", vg, .. devices]);

    /// <summary>Delete: <c>vgremove -f VG</c>.</summary>
    public IReadOnlyList<string> VgRemove(string vg) => Cmd("vgremove", "-f", vg);

    /// <summary>Delete, per device: <c>pvremove DEV</c>.</summary>
    public IReadOnlyList<string> PvRemove(string device) => Cmd("pvremove", device);

    /// <summary>
    /// Volume create (virStorageBackendLogicalLVCreate): <c>lvcreate --name N -L CAPK VG --yes</c>;
    /// a volume whose allocation differs from its capacity is a sparse snapshot volume
    /// (<c>-L ALLOCK --type snapshot --virtualsize CAPK</c>); with a backing store the last
    /// argument before <c>--yes</c> is <c>-s BACKING</c> instead of the VG. Sizes in KiB,
    /// rounded up.
    /// </summary>
    public IReadOnlyList<string> LvCreate(string vg, string name, ulong capacity, ulong allocation, string? backing)
    {
        var argv = new List<string> { "lvcreate", "--name", name, "-L" };
        if (capacity != allocation)
        {
            argv.Add(KiB(allocation == 0 ? 1 : allocation));
            argv.AddRange(["--type", "snapshot", "--virtualsize"]);
        }
        argv.Add(KiB(capacity));
        if (backing is not null)
        {
            argv.AddRange(["-s", backing]);
        }
        else
        {
            argv.Add(vg);
        }
        argv.Add("--yes");
        return Cmd(argv);
    }

    /// <summary>Volume delete: <c>lvremove -f PATH</c>.</summary>
    public IReadOnlyList<string> LvRemove(string path) => Cmd("lvremove", "-f", path);

    /// <summary>Volume delete fallback: <c>lvchange -aln PATH</c>, then lvremove again.</summary>
    public IReadOnlyList<string> LvDeactivate(string path) => Cmd("lvchange", "-aln", path);

    /// <summary>Volume resize (not in libvirt): <c>lvresize --yes -L SIZEK PATH</c>.</summary>
    public IReadOnlyList<string> LvResize(string path, ulong capacity) => Cmd("lvresize", "--yes", "-L", KiB(capacity), path);

    /// <summary>Every LV segment of <paramref name="vg"/>, as JSON.</summary>
    public IReadOnlyList<string> Lvs(string vg) =>
        Cmd("lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "--unbuffered", "-o", LvFields, vg);

    /// <summary>Size and free space of <paramref name="vg"/>, as JSON.</summary>
    public IReadOnlyList<string> Vgs(string vg) =>
        Cmd("vgs", "--reportformat", "json", "--units", "b", "--nosuffix", "--unbuffered", "-o", "vg_name,vg_size,vg_free,vg_extent_size", vg);

    /// <summary>Every PV and its VG (start-time source check, libvirt's
    /// <c>pvs --noheadings -o pv_name,vg_name</c>), as JSON.</summary>
    public IReadOnlyList<string> Pvs() => Cmd("pvs", "--reportformat", "json", "-o", "pv_name,vg_name");

    /// <summary>Every PV with its VG's name and UUID (duplicate-source keys), as JSON.</summary>
    public IReadOnlyList<string> PvsWithUuids() => Cmd("pvs", "--reportformat", "json", "-o", "pv_name,vg_name,vg_uuid");

    private static string KiB(ulong bytes) => ((bytes + 1023) / 1024).ToString(CultureInfo.InvariantCulture) + "K";

    private List<string> Cmd(params IReadOnlyList<string> argv)
    {
        var list = new List<string>(argv.Count + 2) { argv[0] };
        if (!DeviceMapper)
        {
            list.AddRange(["--driverloaded", "n"]);
        }
        list.AddRange(argv.Skip(1));
        return list;
    }
}
