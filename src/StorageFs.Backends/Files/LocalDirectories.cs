using Microsoft.Win32.SafeHandles;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// Directory work shared by the dir pool and dir fspool backends (libvirt's
/// <c>virStorageBackendBuildLocal</c> / <c>virDirCreate</c>, src/storage/storage_util.c and
/// src/util/virfile.c): parents made like <c>mkdir -p</c>, the directory itself with the
/// requested mode (else the given default) and owner, also when it already exists.
/// <para>
/// Every step acts on descriptors, never on a path another user could change between a check
/// and the call: the target is reached from a descriptor of <c>/</c>, one component at a time,
/// with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS); directories are
/// made with mkdirat in the parent's descriptor, their mode and owner set with fchmod/fchown on
/// the directory's own descriptor, removed with unlinkat(AT_REMOVEDIR) in the parent's. The
/// driver stores a target with every symlink of it resolved (TargetPathPolicy), so a symbolic
/// link met on the way was put there since: the walk refuses it (EPERM) instead of following
/// it, and a local user who swaps a component of a pool's path for a link cannot send root's
/// mkdir, chown, chmod or rmdir anywhere else.
/// </para>
/// </summary>
internal static class LocalDirectories
{
    private const uint ParentMode = 0x1ED; // 0755, as mkdir -p under root's umask 022

    /// <summary>Creates (or adopts) <paramref name="path"/> with <paramref name="perms"/>.</summary>
    public static void Create(string path, StoragePermissions perms, uint defaultMode)
    {
        uint mode = perms.Mode ?? defaultMode;
        using var parent = Walk(ParentOf(path, out string name), path, create: true);
        int errno = LocalNative.MkdirAt(parent, name, mode);
        if (errno is not (0 or (int)Errno.EEXIST))
        {
            throw StorageErrors.System(errno, $"cannot create path '{path}'");
        }
        using var dir = LocalNative.OpenBeneath(parent, name, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, out errno)
            ?? throw Refusal(errno, path, path);
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot set mode of '{path}' to {Convert.ToString(mode, 8)}");
        }
        LocalNative.Chown(dir, path, perms.Owner, perms.Group);
    }

    /// <summary>rmdir of <paramref name="path"/> through its parent's descriptor; fails with
    /// ENOTEMPTY ("Directory not empty") unless empty.</summary>
    public static void Remove(string path, string what)
    {
        using var parent = Walk(ParentOf(path, out string name), path, create: false);
        LocalNative.RemoveAt(parent, name, directory: true, $"{what} '{path}'");
    }

    /// <summary>The directory <paramref name="path"/> itself, opened for reading (readdir,
    /// fstat) through the walk: ENOENT when it is missing, EPERM when a component is a link.</summary>
    public static SafeFileHandle Open(string path)
    {
        using var parent = Walk(ParentOf(path, out string name), path, create: false);
        return LocalNative.OpenBeneath(parent, name, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, out int errno)
            ?? throw Refusal(errno, path, path);
    }

    /// <summary>The file <paramref name="path"/> (a volume in a pool's directory), opened with
    /// <paramref name="flags"/> and O_NOFOLLOW in its directory's descriptor, reached by the walk:
    /// no component of the path, the last included, can be a symbolic link swapped in to send
    /// root's write elsewhere. Fails as open(2) would, with "<paramref name="what"/> 'PATH'".</summary>
    public static SafeFileHandle OpenFile(string path, int flags, string what)
    {
        using var parent = Walk(ParentOf(path, out string name), path, create: false);
        return LocalNative.OpenBeneath(parent, name, flags | Libc.O_NOFOLLOW, 0, out int errno)
            ?? throw StorageErrors.System(errno, $"{what} '{path}'");
    }

    /// <summary>The permissions a directory has now (libvirt refreshes them with fstat).</summary>
    public static StoragePermissions PermissionsOf(FileStatus st) =>
        new() { Mode = st.Permissions, Owner = st.Uid, Group = st.Gid };

    /// <summary>Status of a pool's root, which must be an existing directory reached without a symlink.</summary>
    public static FileStatus RequireDirectory(string path)
    {
        try
        {
            using var dir = Open(path);
            return LocalNative.Stat(dir, path);
        }
        catch (StorageException e) when (e.OsErrno is (int)Errno.ENOENT or (int)Errno.ENOTDIR)
        {
            throw StorageErrors.System(e.OsErrno.Value, $"cannot open directory '{path}'");
        }
    }

    /// <summary>Names in <paramref name="path"/> a pool may list: not hidden (StorageFs names
    /// never start with '.'), no control characters (libvirt skips those too).</summary>
    public static IEnumerable<string> ListableNames(string path)
    {
        using var dir = Open(path);
        return LocalNative.ReadDirectory(dir, path)
            .Where(n => n.Length > 0 && n[0] != '.' && !n.Any(char.IsControl)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The directory <paramref name="dir"/> (absolute) as an O_PATH descriptor reached
    /// from <c>/</c> without following any link; missing components are made (mode 0755) when
    /// <paramref name="create"/>.</summary>
    public static SafeFileHandle Walk(string dir, string pathForErrors, bool create)
    {
        var current = LocalNative.OpenRoot();
        var walked = "";
        foreach (var component in dir.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            walked += "/" + component;
            var next = LocalNative.OpenBeneath(current, component, Libc.O_PATH | Libc.O_DIRECTORY, 0, out int errno);
            if (next is null && errno == (int)Errno.ENOENT && create)
            {
                int made = LocalNative.MkdirAt(current, component, ParentMode);
                if (made is not (0 or (int)Errno.EEXIST))
                {
                    current.Dispose();
                    throw StorageErrors.System(made, $"cannot create path '{walked}'");
                }
                next = LocalNative.OpenBeneath(current, component, Libc.O_PATH | Libc.O_DIRECTORY, 0, out errno);
            }
            current.Dispose();
            current = next ?? throw Refusal(errno, walked, pathForErrors);
        }
        return current;
    }

    private static string ParentOf(string path, out string name)
    {
        if (!path.StartsWith('/') || path.Contains("/../", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal))
        {
            throw StorageErrors.Internal($"path '{path}' is not absolute and normalised");
        }
        var trimmed = path.TrimEnd('/');
        name = Path.GetFileName(trimmed);
        var parent = Path.GetDirectoryName(trimmed);
        if (parent is null || name.Length == 0 || name is "." or "..")
        {
            throw StorageErrors.Internal($"path '{path}' has no parent directory");
        }
        return parent;
    }

    // ELOOP: a symbolic link where the checked path had a directory; EXDEV: an escape.
    private static StorageException Refusal(int errno, string walked, string path) => errno switch
    {
        (int)Errno.ELOOP or 18 /* EXDEV */ => StorageErrors.Denied(
            $"'{walked}' is a symbolic link (or leads outside): the path '{path}' was checked without one; refusing to follow it"),
        _ => StorageErrors.System(errno, $"cannot open directory '{walked}'"),
    };
}
