namespace StorageFs.Core.Names;

/// <summary>
/// Where pools and fspools may live: a target path must be absolute and, once normalised and
/// with every symbolic link of its existing prefix resolved (as realpath(3) would; the part
/// that does not exist yet is taken literally), lie strictly below one of the allowed
/// directories (themselves resolved the same way). This catches "..", "//", "." spellings
/// and symlinks pointing outside, which libvirt's plain string comparison misses.
/// Immutable; safe to share between threads.
/// </summary>
public sealed class TargetPathPolicy
{
    /// <summary>The allowed directories when the configuration names none.</summary>
    public static readonly IReadOnlyList<string> DefaultAllowedDirectories = ["/var/lib/storagefs", "/srv"];

    private const int MaxSymlinks = 40;

    /// <summary>A policy allowing <paramref name="allowedDirectories"/> (default:
    /// <see cref="DefaultAllowedDirectories"/>).</summary>
    /// <exception cref="ArgumentException">A directory is not absolute.</exception>
    public TargetPathPolicy(IEnumerable<string>? allowedDirectories = null)
    {
        var dirs = (allowedDirectories ?? DefaultAllowedDirectories).ToList();
        foreach (var dir in dirs)
        {
            if (!dir.StartsWith('/'))
            {
                throw new ArgumentException($"allowed directory '{dir}' is not absolute", nameof(allowedDirectories));
            }
        }
        AllowedDirectories = dirs;
    }

    /// <summary>The allowed directories, as configured.</summary>
    public IReadOnlyList<string> AllowedDirectories { get; }

    /// <summary>Checks <paramref name="path"/> and returns its resolved form, the path
    /// callers should use from then on.</summary>
    /// <exception cref="StorageException">InvalidArg for an empty, relative or looping path;
    /// OperationDenied for a path outside the allowed directories.</exception>
    public string Check(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw LibvirtErrors.InvalidArg("target path must not be empty");
        }
        if (path.Contains('\0'))
        {
            throw LibvirtErrors.InvalidArg("target path must not contain a NUL character");
        }
        if (!path.StartsWith('/'))
        {
            throw LibvirtErrors.InvalidArg($"target path '{path}' is not absolute");
        }
        var resolved = Resolve(path);
        foreach (var dir in AllowedDirectories)
        {
            var root = Resolve(dir);
            if (resolved == root)
            {
                throw new StorageException(ErrorCode.OperationDenied,
                    $"target path '{path}' is the allowed directory '{dir}' itself; a pool must be a directory below it");
            }
            if (resolved.StartsWith(root == "/" ? "/" : root + "/", StringComparison.Ordinal))
            {
                return resolved;
            }
        }
        var how = resolved == path ? "is" : $"resolves to '{resolved}',";
        throw new StorageException(ErrorCode.OperationDenied,
            $"target path '{path}' {how} outside the allowed directories ({string.Join(", ", AllowedDirectories)})");
    }

    /// <summary>The absolute path <paramref name="path"/> names: "." and ".." applied, repeated
    /// slashes dropped, symbolic links of the existing prefix followed; the rest literal.</summary>
    /// <exception cref="StorageException">InvalidArg on a symlink loop.</exception>
    public static string Resolve(string path)
    {
        var resolved = new List<string>();
        var pending = new LinkedList<string>(Split(path));
        bool existing = true;
        int links = 0;
        while (pending.First is { } node)
        {
            pending.RemoveFirst();
            var component = node.Value;
            if (component == ".")
            {
                continue;
            }
            if (component == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            var candidate = "/" + string.Join('/', resolved.Append(component));
            if (existing)
            {
                var target = LinkTarget(candidate);
                if (target is not null)
                {
                    if (++links > MaxSymlinks)
                    {
                        throw LibvirtErrors.InvalidArg($"target path '{path}': too many levels of symbolic links");
                    }
                    if (target.StartsWith('/'))
                    {
                        resolved.Clear();
                    }
                    var parts = Split(target);
                    for (int i = parts.Count - 1; i >= 0; i--)
                    {
                        pending.AddFirst(parts[i]);
                    }
                    continue;
                }
                existing = Directory.Exists(candidate);
            }
            resolved.Add(component);
        }
        return "/" + string.Join('/', resolved);
    }

    private static List<string> Split(string path) =>
        [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries)];

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
