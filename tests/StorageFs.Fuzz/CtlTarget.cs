using System.Text;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Units;
using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs;
using StorageFs.Vfs.Tree;
using StorageFs.Interop;

namespace StorageFs.Fuzz;

/// <summary>
/// The command files of the tree, written as FUSE writes them: each input is one write(2) by
/// root to a fresh handle of every command file of a pool, a volume, an fspool and an item
/// (<c>ctl</c> and <c>autostart</c>), built by the tree's own tables (PoolDirs) over a driver
/// that holds none of them, so every command is parsed in full and refused; and to the
/// <c>ctl</c> of a volume that exists, in a running pool whose backend can only refresh
/// (<see cref="InertBackend"/>), so a volume command also runs its lookups, the shrink policy
/// and the clone document before the driver refuses the operation. Nothing is ever executed
/// and every input gives the same answers each time (AFL needs that).
/// Property: nothing escapes the write, and the answer is EINVAL (the command is malformed) or
/// ENOENT (it is well-formed, its object does not exist); for the existing volume also
/// EOPNOTSUPP (the backend cannot), EPERM (a shrink without the flag), EEXIST (a clone onto
/// a taken name) or ENOSPC (an allocation beyond the pool's space). EIO or anything else is a bug. The parsers the lookups hide are called
/// directly: <c>autostart</c>'s yes/no and the user size syntax of <c>resize</c>.
/// The <c>ctl</c> and <c>value</c> of a secret the store does not hold answer EINVAL or ENOKEY.
/// Not covered: <c>jobs/ID/ctl</c> (it needs a running job; its one verb is a string compare).
/// </summary>
public sealed class CtlTarget : IFuzzTarget, IDisposable
{
    private const int O_WRONLY = 1;
    private const string AbsentSecret = "6a4c3e5e-8f1b-4d6e-9a51-0c2d7e3f9b10";
    private static readonly RequestContext Root = RequestContext.Detached(0);

    private readonly string _state;
    private readonly (string Path, TextNode File, Errno[] Answers)[] _files;

    public CtlTarget()
    {
        _state = Directory.CreateTempSubdirectory("storagefs-fuzz-").FullName;
        var log = Serilog.Core.Logger.None;
        var store = new DefinitionStore(Path.Combine(_state, "config"), log);
        var driver = new StorageDriver(new BackendTable([new InertBackend()], []), store,
            new StorageDriverOptions { Policy = new TargetPathPolicy([_state]), RuntimeDirectory = Path.Combine(_state, "run") }, log);
        driver.Load();
        string live = Directory.CreateDirectory(Path.Combine(_state, "live")).FullName;
        driver.CreatePool($"<pool type='dir'><name>live</name><target><path>{live}</path></target></pool>");
        var tree = new StorageTree(driver, log);
        Errno[] absent = [Errno.EINVAL, Errno.ENOENT];
        Errno[] present = [Errno.EINVAL, Errno.ENOENT, Errno.EOPNOTSUPP, Errno.EPERM, Errno.EEXIST, Errno.ENOSPC];

        // A secret's files for a UUID the store does not hold: every well-formed write is ENOKEY.
        Errno[] noSecret = [Errno.EINVAL, Errno.ENOKEY];
        var secret = SecretDirs.Secret(tree, Guid.Parse(AbsentSecret));
        var pool = PoolDirs.Pool(tree, "p", new VolumesDir(tree, "p"));
        var fsPool = PoolDirs.FsPool(tree, "f", new ItemsDir(tree, "f"));
        _files =
        [
            File(pool, "pools/p/ctl", "ctl", absent),
            File(pool, "pools/p/autostart", "autostart", absent),
            File(tree.VolumeControl("p", "v"), "pools/p/vol/v/ctl", "ctl", absent),
            File(fsPool, "fspools/f/ctl", "ctl", absent),
            File(fsPool, "fspools/f/autostart", "autostart", absent),
            File(tree.ItemControl("f", "i"), "fspools/f/item/i/ctl", "ctl", absent),
            File(tree.VolumeControl("live", "v"), "pools/live/vol/v/ctl", "ctl", present),
            File(secret, $"secrets/{AbsentSecret}/ctl", "ctl", noSecret),
            File(secret, $"secrets/{AbsentSecret}/value", "value", noSecret),
        ];
    }

    public string Name => "ctl";

    public void Run(byte[] input)
    {
        var reply = new byte[8192];
        foreach (var (path, file, answers) in _files)
        {
            if (file.Open(Root, O_WRONLY, out var handle) != Errno.Ok)
            {
                throw new Finding($"{path}: root cannot open it for writing");
            }
            try
            {
                var errno = handle!.Write(Root, 0, input, out _);
                string said = handle.Read(Root, 0, reply, out int n) == Errno.Ok ? Encoding.UTF8.GetString(reply, 0, n) : "";
                if (!answers.Contains(errno))
                {
                    throw new Finding($"{path}: answered {errno}, not one of {string.Join(", ", answers)}: {said}");
                }
                if (!said.StartsWith($"{errno}: ", StringComparison.Ordinal))
                {
                    throw new Finding($"{path}: the reply read back does not start with '{errno}: ': {said}");
                }
            }
            finally
            {
                handle!.Release();
            }
        }

        string text = Encoding.UTF8.GetString(input);
        Refused(() => Words.YesNo(text));
        Refused(() => SizeUnits.ParseUserSize(text));
        Refused(() => Words.Resize(Words.Split(text)));
        SizeUnits.TryGetScale(text.Trim(), 1, out _);
    }

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
    }

    private static (string, TextNode, Errno[]) File(INodeLookup dir, string path, string name, Errno[] answers)
    {
        if (dir.Lookup(Root, name, out var node) != Errno.Ok || node is not TextNode file)
        {
            throw new InvalidOperationException($"the tree has no command file {path}");
        }
        return (path, file, answers);
    }

    /// <summary>A parser may refuse its input only with InvalidArg (EINVAL).</summary>
    private static void Refused<T>(Func<T> parse)
    {
        try
        {
            parse();
        }
        catch (StorageException e) when (e.Code == ErrorCode.InvalidArg)
        {
        }
        catch (StorageException e)
        {
            throw new Finding($"refused with {e.Code}, not InvalidArg: {e.Message}");
        }
    }
}
