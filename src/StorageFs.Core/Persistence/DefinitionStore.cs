using System.Globalization;
using System.Text;
using Serilog;
using StorageFs.Interop;

namespace StorageFs.Core.Persistence;

/// <summary>
/// Durable pool and fspool definitions in a state directory:
/// <c>&lt;dir&gt;/pools/&lt;name&gt;.xml</c> and <c>&lt;dir&gt;/fspools/&lt;name&gt;.xml</c>,
/// each holding the definition XML and its flags (autostart, intended run state), see
/// <see cref="DefinitionFile"/>.
/// Invariants: once a mutating call returns, its effect survives a crash or power loss;
/// a crash at any earlier instant leaves the previous content, never a partial file
/// (<see cref="DurableFile"/>). <see cref="Load"/> never fails because of one bad file:
/// it moves the file to <c>&lt;kind&gt;/corrupt/&lt;file&gt;.&lt;UTC timestamp&gt;</c>, logs an error
/// and goes on, and it removes temp files a crash left behind. Like libvirt
/// (virStoragePoolObjLoad in src/conf/virstorageobj.c) a file whose &lt;name&gt; differs
/// from its file name is refused. All calls are serialised by one lock, but for
/// <see cref="Load"/>'s reads (a definition it has handed on may be written meanwhile); one
/// daemon owns a state directory.
/// </summary>
public sealed class DefinitionStore
{
    /// <summary>Default state directory of the daemon.</summary>
    public const string DefaultDirectory = "/var/lib/storagefs/config";

    private const string CorruptFolder = "corrupt";

    private readonly Lock _gate = new();
    private readonly ILogger _log;
    private readonly Func<DefinitionKind, string, string?>? _validate;

    /// <param name="directory">State directory; created (mode 0700) on first use.</param>
    /// <param name="logger">Receives one error per corrupt file moved aside.</param>
    /// <param name="validate">
    /// Content check run by <see cref="Load"/> after the store's own checks (well-formed,
    /// no DTD, right root, name matches): returns null when the XML is acceptable, else the
    /// reason it is not. A <see cref="StorageException"/> it throws counts as a reason too.
    /// </param>
    public DefinitionStore(string directory, ILogger logger, Func<DefinitionKind, string, string?>? validate = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        _log = logger.ForContext<DefinitionStore>();
        _validate = validate;
    }

    public string Directory { get; }

    /// <summary>
    /// Recovers the directory (removes stray temp files, moves corrupt files aside) and
    /// returns every valid definition, pools first, each kind sorted by name;
    /// <paramref name="loaded"/>, when given, gets each in that order as soon as it and every
    /// one before it are read (the caller can use the first before the last is read).
    /// </summary>
    public IReadOnlyList<StoredDefinition> Load(Action<StoredDefinition>? loaded = null)
    {
        var result = new List<StoredDefinition>();
        foreach (DefinitionKind kind in Enum.GetValues<DefinitionKind>())
        {
            var candidates = new List<string>();
            lock (_gate)
            {
                string folder = EnsureFolder(kind);
                bool removedTemp = false;
                foreach (string path in System.IO.Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
                {
                    string file = Path.GetFileName(path);
                    if (file.StartsWith(DurableFile.TempPrefix, StringComparison.Ordinal))
                    {
                        _log.Information("Removing temp file {Path} left by an interrupted write", path);
                        try
                        {
                            File.Delete(path);
                            removedTemp = true;
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            _log.Error(e, "Cannot remove temp file {Path}", path);
                        }

                        continue;
                    }

                    if (!file.EndsWith(".xml", StringComparison.Ordinal))
                    {
                        _log.Warning("Ignoring {Path}: not a definition file", path);
                        continue;
                    }

                    candidates.Add(path);
                }

                if (removedTemp)
                {
                    PersistenceNative.FsyncDirectory(folder);
                }
            }

            // Reading is what a cold start waits for (one small file per pool, each an inode and
            // a block to fetch: 9.2 s for 10,000 on this project's virtio disk,
            // docs/PERFORMANCE.md): the files are read and checked with several reads in flight,
            // and handled in name order as each and those before it are in. The reads run
            // outside the lock: a definition handed on can be changed at once (a pool loaded
            // first is started, and its intended state written, while the rest load); a file
            // changed meanwhile is read whole, old or new (the writer renames), and only one
            // already handed on can be.
            ReadInOrder(kind, candidates, (path, definition, error, failure) =>
            {
                if (failure is not null and not (IOException or UnauthorizedAccessException))
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                }

                if (failure is not null)
                {
                    // Unreadable is not corrupt: leave the file where it is for the admin.
                    _log.Error(failure, "Cannot read {Kind} definition {Path}; skipped", What(kind), path);
                    return;
                }

                if (definition is null)
                {
                    lock (_gate)
                    {
                        MoveAside(kind, path, error!);
                    }

                    return;
                }

                result.Add(definition);
                loaded?.Invoke(definition);
            });
        }

        return result;
    }

    /// <summary>
    /// The names of the stored definitions of <paramref name="kind"/> as the directory lists
    /// them (one getdents pass, no file opened or parsed), sorted by ordinal: what
    /// <see cref="Load"/> would try to load. A name whose file turns out damaged is still
    /// among them (<see cref="Load"/> sets it aside); temp files and non-definition files are not.
    /// </summary>
    public IReadOnlyList<string> ListNames(DefinitionKind kind)
    {
        lock (_gate)
        {
            var names = new List<string>();
            foreach (string path in System.IO.Directory.EnumerateFiles(EnsureFolder(kind)))
            {
                string file = Path.GetFileName(path);
                if (file.Length > ".xml".Length && file[0] != '.' && file.EndsWith(".xml", StringComparison.Ordinal))
                {
                    names.Add(file[..^".xml".Length]);
                }
            }

            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <summary>How many definition files <see cref="Load"/> reads at once (I/O bound: the disk's queue, not the cores, sets it).</summary>
    private const int ParallelReads = 16;

    /// <summary>
    /// Reads and checks every file of <paramref name="paths"/>, up to <see cref="ParallelReads"/>
    /// at a time, and hands each outcome to <paramref name="handle"/> on the calling thread, in
    /// order, once it and every one before it are read (an exception the read threw is the
    /// outcome's failure). Files are taken in order, so the one awaited is the oldest in flight;
    /// the calling thread reads too while it waits.
    /// </summary>
    private void ReadInOrder(DefinitionKind kind, List<string> paths, Action<string, StoredDefinition?, string?, Exception?> handle)
    {
        var outcomes = new (StoredDefinition? Definition, string? Error, Exception? Failure)[paths.Count];
        var done = new bool[paths.Count];
        int next = -1;
        bool ReadNext()
        {
            int i = Interlocked.Increment(ref next);
            if (i >= paths.Count)
            {
                return false;
            }

            try
            {
                var definition = ReadFile(kind, paths[i], out string? error);
                outcomes[i] = (definition, error, null);
            }
            catch (Exception e)
            {
                outcomes[i] = (null, null, e);
            }

            Volatile.Write(ref done[i], true);
            return true;
        }

        // Own threads, not the thread pool's: blocked reads would wait for its slow growth.
        int helpers = Math.Min(ParallelReads, paths.Count / 64);
        var threads = new Thread[helpers];
        for (int t = 0; t < helpers; t++)
        {
            threads[t] = new Thread(() =>
            {
                while (ReadNext())
                {
                }
            })
            { IsBackground = true, Name = "definition reader" };
            threads[t].Start();
        }

        try
        {
            for (int i = 0; i < paths.Count; i++)
            {
                while (!Volatile.Read(ref done[i]))
                {
                    if (!ReadNext())
                    {
                        // Every file is taken: the one awaited is being read by a helper.
                        Thread.Sleep(1);
                    }
                }

                var (definition, error, failure) = outcomes[i];
                outcomes[i] = default;
                handle(paths[i], definition, error, failure);
            }
        }
        finally
        {
            // Stop the helpers taking more (a handler threw), then wait for those in flight.
            Interlocked.Exchange(ref next, paths.Count);
            foreach (var thread in threads)
            {
                thread.Join();
            }
        }
    }

    /// <summary>
    /// Reads one definition from disk; null if it does not exist. A damaged file is
    /// reported as <see cref="ErrorCode.InternalError"/> and left for <see cref="Load"/>.
    /// </summary>
    public StoredDefinition? Find(DefinitionKind kind, string name)
    {
        DefinitionFile.ValidateName(kind, name);
        lock (_gate)
        {
            return File.Exists(PathOf(kind, name)) ? ReadRequired(kind, name) : null;
        }
    }

    /// <summary>
    /// Writes (defines or redefines) a definition. A redefinition keeps the stored flags;
    /// a new one gets <see cref="DefinitionFlags.Default"/>. The XML must be one well-formed
    /// document without an XML declaration whose &lt;name&gt; and &lt;uuid&gt; are
    /// <paramref name="name"/> and <paramref name="uuid"/>.
    /// </summary>
    public StoredDefinition Save(DefinitionKind kind, string name, Guid uuid, string xml)
    {
        DefinitionFile.ValidateName(kind, name);
        CheckDocument(kind, name, uuid, xml);
        lock (_gate)
        {
            DefinitionFlags flags = ReadExistingFlags(kind, name) ?? DefinitionFlags.Default;
            return Write(kind, name, uuid, xml, flags);
        }
    }

    /// <summary>Replaces the flags of an existing definition.</summary>
    public StoredDefinition SetFlags(DefinitionKind kind, string name, DefinitionFlags flags) =>
        Update(kind, name, _ => flags);

    public StoredDefinition SetAutostart(DefinitionKind kind, string name, bool autostart) =>
        Update(kind, name, flags => flags with { Autostart = autostart });

    public StoredDefinition SetIntendedState(DefinitionKind kind, string name, IntendedState state) =>
        Update(kind, name, flags => flags with { State = state });

    /// <summary>Removes a definition and its flags durably (undefine); false if absent.</summary>
    public bool Delete(DefinitionKind kind, string name)
    {
        DefinitionFile.ValidateName(kind, name);
        lock (_gate)
        {
            EnsureFolder(kind);
            return DurableFile.Delete(PathOf(kind, name));
        }
    }

    private StoredDefinition Write(DefinitionKind kind, string name, Guid? uuid, string xml, DefinitionFlags flags)
    {
        string folder = EnsureFolder(kind);
        DurableFile.Replace(folder, name + ".xml", DefinitionFile.Encode(xml, flags));
        return new StoredDefinition(kind, name, uuid, xml, flags);
    }

    private StoredDefinition Update(DefinitionKind kind, string name, Func<DefinitionFlags, DefinitionFlags> change)
    {
        DefinitionFile.ValidateName(kind, name);
        lock (_gate)
        {
            StoredDefinition current = ReadRequired(kind, name);
            DefinitionFlags flags = change(current.Flags);
            return flags == current.Flags ? current : Write(kind, name, current.Uuid, current.Xml, flags);
        }
    }

    private StoredDefinition ReadRequired(DefinitionKind kind, string name)
    {
        string path = PathOf(kind, name);
        if (!File.Exists(path))
        {
            throw new StorageException(ErrorCode.NoStoragePool, $"no {What(kind)} with matching name '{name}'", (int)Errno.ENOENT);
        }

        return ReadFile(kind, path, out string? error)
            ?? throw new StorageException(ErrorCode.InternalError, $"corrupt definition file '{path}': {error}");
    }

    /// <summary>Flags of the file on disk, or null if there is none or it is damaged.</summary>
    private DefinitionFlags? ReadExistingFlags(DefinitionKind kind, string name)
    {
        string path = PathOf(kind, name);
        return File.Exists(path) ? ReadFile(kind, path, out _)?.Flags : null;
    }

    private static void CheckDocument(DefinitionKind kind, string name, Guid uuid, string xml)
    {
        if (Encoding.UTF8.GetByteCount(xml) > DefinitionFile.MaxXmlBytes)
        {
            throw new StorageException(ErrorCode.InvalidArg, $"{What(kind)} definition is larger than {DefinitionFile.MaxXmlBytes} bytes", (int)Errno.EINVAL);
        }

        if (xml.TrimStart().StartsWith("<?xml", StringComparison.Ordinal))
        {
            throw new StorageException(ErrorCode.InvalidArg, $"{What(kind)} definition to store must not carry an XML declaration", (int)Errno.EINVAL);
        }

        if (!DefinitionFile.TryInspect(kind, xml, out string? inner, out Guid? innerUuid, out string? error))
        {
            throw new StorageException(ErrorCode.XmlError, $"cannot store {What(kind)} '{name}': {error}", (int)Errno.EINVAL);
        }

        if (inner != name || innerUuid != uuid)
        {
            throw new StorageException(
                ErrorCode.InvalidArg,
                $"cannot store {What(kind)} '{name}' ({uuid}): the document says '{inner}' ({innerUuid?.ToString() ?? "no uuid"})",
                (int)Errno.EINVAL);
        }
    }

    private StoredDefinition? ReadFile(DefinitionKind kind, string path, out string? error)
    {
        string file = Path.GetFileName(path);
        string name = file[..^".xml".Length];
        if (name.Length == 0 || name[0] == '.')
        {
            error = $"'{file}' is not a valid definition file name";
            return null;
        }

        byte[] content;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None))
        {
            if (stream.Length > DefinitionFile.MaxXmlBytes + 4096)
            {
                error = $"file is larger than {DefinitionFile.MaxXmlBytes} bytes";
                return null;
            }

            content = new byte[stream.Length];
            stream.ReadExactly(content);
        }

        if (DefinitionFile.Decode(content, out error) is not var (xml, flags))
        {
            return null;
        }

        if (!DefinitionFile.TryInspect(kind, xml, out string? inner, out Guid? uuid, out error))
        {
            return null;
        }

        if (inner != name)
        {
            error = $"{What(kind)} config filename '{file}' does not match {(kind == DefinitionKind.Pool ? "pool" : "fspool")} name '{inner}'";
            return null;
        }

        try
        {
            error = _validate?.Invoke(kind, xml);
        }
        catch (StorageException e)
        {
            error = e.Message;
        }

        return error is null ? new StoredDefinition(kind, name, uuid, xml, flags) : null;
    }

    private void MoveAside(DefinitionKind kind, string path, string reason)
    {
        string corrupt = Path.Combine(Path.GetDirectoryName(path)!, CorruptFolder);
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        string baseName = TrimToBytes(Path.GetFileName(path), 255 - stamp.Length - 8) + "." + stamp;
        string target = Path.Combine(corrupt, baseName);
        for (int n = 1; File.Exists(target); n++)
        {
            target = Path.Combine(corrupt, baseName + "-" + n.ToString(CultureInfo.InvariantCulture));
        }

        try
        {
            DurableFile.CreatePrivateDirectory(corrupt);
            DurableFile.Move(path, target);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            // Still not loaded; the next Load tries again.
            _log.Error("Corrupt {Kind} definition {Path} could not be moved aside ({Error}): {Reason}", What(kind), path, e.Message, reason);
            return;
        }

        _log.Error("Corrupt {Kind} definition {Path} moved to {Target}: {Reason}", What(kind), path, target, reason);
    }

    private string EnsureFolder(DefinitionKind kind)
    {
        string folder = Path.Combine(Directory, DefinitionFile.Folder(kind));
        if (!System.IO.Directory.Exists(folder))
        {
            DurableFile.CreatePrivateDirectory(Directory);
            DurableFile.CreatePrivateDirectory(folder);
        }

        return folder;
    }

    private string PathOf(DefinitionKind kind, string name) => Path.Combine(Directory, DefinitionFile.Folder(kind), name + ".xml");

    private static string What(DefinitionKind kind) => kind == DefinitionKind.Pool ? "storage pool" : "fspool";

    private static string TrimToBytes(string s, int maxBytes)
    {
        while (Encoding.UTF8.GetByteCount(s) > maxBytes)
        {
            s = s[..^1];
        }

        return s;
    }
}
