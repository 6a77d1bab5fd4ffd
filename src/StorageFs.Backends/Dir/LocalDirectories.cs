using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Dir;

/// <summary>
/// Directory work shared by the dir pool and dir fspool backends (libvirt's
/// <c>virStorageBackendBuildLocal</c> / <c>virDirCreate</c>, src/storage/storage_util.c and
/// src/util/virfile.c): parents made like <c>mkdir -p</c>, the directory itself with the
/// requested mode (else the given default) and owner, also when it already exists; a symlink in
/// its place is refused rather than followed.
/// </summary>
internal static class LocalDirectories
{
    /// <summary>Creates (or adopts) <paramref name="path"/> with <paramref name="perms"/>.</summary>
    public static void Create(string path, StoragePermissions perms, uint defaultMode)
    {
        uint mode = perms.Mode ?? defaultMode;
        try
        {
            var parent = Path.GetDirectoryName(path);
            if (parent is not null)
            {
                Directory.CreateDirectory(parent);
            }
            if (LocalNative.Stat(path, noFollow: true) is null)
            {
                Directory.CreateDirectory(path, (UnixFileMode)mode);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot create path '{path}'");
        }
        var st = LocalNative.Stat(path, noFollow: true)
            ?? throw StorageErrors.System(LocalNative.ENOENT, $"cannot create path '{path}'");
        if (!st.IsDirectory)
        {
            throw StorageErrors.OperationFailed($"path '{path}' exists but is not a directory");
        }
        try
        {
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot set mode of '{path}' to {Convert.ToString(mode, 8)}");
        }
        LocalNative.Chown(path, perms.Owner, perms.Group);
    }

    /// <summary>The permissions a directory has now (libvirt refreshes them with fstat).</summary>
    public static StoragePermissions PermissionsOf(FileStatus st) =>
        new() { Mode = st.Permissions, Owner = st.Uid, Group = st.Gid };

    /// <summary>Status of a pool's root, which must be an existing directory.</summary>
    public static FileStatus RequireDirectory(string path)
    {
        var st = LocalNative.Stat(path, noFollow: false);
        if (st is null)
        {
            throw StorageErrors.System(LocalNative.ENOENT, $"cannot open directory '{path}'");
        }
        return st.IsDirectory ? st : throw StorageErrors.System(LocalNative.ENOTDIR, $"cannot open directory '{path}'");
    }

    /// <summary>Names in <paramref name="path"/> a pool may list: not hidden (StorageFs names
    /// never start with '.'), no control characters (libvirt skips those too).</summary>
    public static IEnumerable<string> ListableNames(string path)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(path).Select(e => Path.GetFileName(e)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot open directory '{path}'");
        }
        return entries.Where(n => n.Length > 0 && n[0] != '.' && !n.Any(char.IsControl)).Order(StringComparer.Ordinal);
    }
}
