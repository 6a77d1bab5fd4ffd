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
    /// <param name="allowedDirectories">Where targets may lie.</param>
    /// <param name="reservedDirectories">Directories no target may be, lie in or contain, even
    /// inside an allowed directory: StorageFs's own definitions (a pool there would list, and
    /// could delete, the stored definitions as volumes).</param>
    public TargetPathPolicy(IEnumerable<string>? allowedDirectories = null, IEnumerable<string>? reservedDirectories = null)
    {
        var dirs = (allowedDirectories ?? DefaultAllowedDirectories).ToList();
        var reserved = (reservedDirectories ?? []).ToList();
        foreach (var dir in dirs.Concat(reserved))
        {
            if (!dir.StartsWith('/'))
            {
                throw new ArgumentException($"allowed or reserved directory '{dir}' is not absolute", nameof(allowedDirectories));
            }
        }
        AllowedDirectories = dirs;
        ReservedDirectories = reserved;
    }

    /// <summary>The allowed directories, as configured.</summary>
    public IReadOnlyList<string> AllowedDirectories { get; }

    /// <summary>Directories no target may be, lie in or contain.</summary>
    public IReadOnlyList<string> ReservedDirectories { get; }

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
        if (path.Any(char.IsControl))
        {
            // A newline would split the path in every line-based file that shows it (info,
            // errors, events, the definition's own log lines); libvirt's paths are plain text too.
            throw LibvirtErrors.InvalidArg(
                $"target path '{Escape(path)}' must not contain control characters (newline, tab, …)");
        }
        if (!path.StartsWith('/'))
        {
            throw LibvirtErrors.InvalidArg($"target path '{path}' is not absolute");
        }
        var resolved = Resolve(path, strict: true);
        foreach (var dir in ReservedDirectories)
        {
            var reserved = Resolve(dir);
            if (resolved == reserved || resolved.StartsWith(reserved + "/", StringComparison.Ordinal) ||
                reserved.StartsWith(resolved + "/", StringComparison.Ordinal))
            {
                throw new StorageException(ErrorCode.OperationDenied,
                    $"target path '{path}' overlaps '{dir}', where StorageFs keeps its own state");
            }
        }
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

    /// <summary>
    /// As <see cref="Check"/>, for a path root names in a command that the daemon then reads or
    /// writes (an archive's DEST, a restore's SRC), and a stricter rule: below the allowed
    /// directory it lies in, the path must be the file's own, with no symbolic link and no "."
    /// or ".." on the way. A link there may belong to an untrusted user who owns a directory on
    /// the path, and would steer root's read or write to another file inside the allowed
    /// directories (a pool's volume, another user's file). The allowed directory itself may be
    /// reached through links, as the configuration names it.
    /// </summary>
    /// <exception cref="StorageException">As <see cref="Check"/>; OperationDenied for a link below
    /// the allowed directory.</exception>
    public string CheckLinkFree(string path)
    {
        var resolved = Check(path);
        var components = Split(path);
        if (components.Any(c => c is "." or ".."))
        {
            throw new StorageException(ErrorCode.OperationDenied, $"path '{path}' contains '.' or '..': give the file's own path");
        }
        string literal = "/" + string.Join('/', components);
        foreach (var dir in AllowedDirectories)
        {
            var root = Resolve(dir);
            foreach (var prefix in new[] { "/" + string.Join('/', Split(dir)), root }.Distinct())
            {
                string below = prefix == "/" ? "/" : prefix + "/";
                if (literal.StartsWith(below, StringComparison.Ordinal) &&
                    resolved == (root == "/" ? "" : root) + "/" + literal[below.Length..])
                {
                    return resolved;
                }
            }
        }
        throw new StorageException(ErrorCode.OperationDenied,
            $"path '{path}' leads through a symbolic link below the allowed directory (it resolves to '{resolved}'): give the file's own path");
    }

    /// <summary>The absolute path <paramref name="path"/> names: "." and ".." applied, repeated
    /// slashes dropped, symbolic links of the existing prefix followed; the rest literal.</summary>
    /// <exception cref="StorageException">InvalidArg on a symlink loop.</exception>
    public static string Resolve(string path) => Resolve(path, strict: false);

    // strict: a ".." after a component that does not exist is refused, as realpath(3) fails
    // with ENOENT there: whatever that component becomes later decides where ".." leads, so the
    // path cannot be judged now ("/srv/nx/../link-out/sub" passed define
    // with link-out a symlink out of /srv, and was only caught at build).
    private static string Resolve(string path, bool strict)
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
                if (strict && !existing)
                {
                    throw LibvirtErrors.InvalidArg(
                        $"target path '{path}': '..' follows '{resolved[^1]}', which does not exist, so where it leads cannot be checked; spell the path without '..'");
                }
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

    private static string Escape(string path) =>
        string.Concat(path.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

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
