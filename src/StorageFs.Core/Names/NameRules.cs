using System.Text;

namespace StorageFs.Core.Names;

/// <summary>
/// The rules every pool, volume, fspool and item name obeys, because each becomes one
/// directory entry in the StorageFs tree and on disk: not empty; no '/' (libvirt's own rule,
/// "name … cannot contain '/'"); no NUL; no newline (libvirt refuses it at define,
/// "invalid char in name"); not starting with '.' (so "." and ".." and hidden entries cannot be
/// spelled); at most <see cref="MaxNameBytes"/> bytes in UTF-8 (NAME_MAX) for volumes and
/// items, <see cref="MaxDefinitionNameBytes"/> for pools and fspools, whose definitions are
/// stored as NAME.xml.
/// </summary>
public static class NameRules
{
    /// <summary>Longest name, in UTF-8 bytes (Linux NAME_MAX).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest pool or fspool name: NAME_MAX minus the ".xml" of its stored definition.</summary>
    public const int MaxDefinitionNameBytes = MaxNameBytes - 4;

    /// <summary>Throws when <paramref name="name"/> breaks a rule.</summary>
    /// <exception cref="StorageException">InvalidArg naming the rule that was broken.</exception>
    public static void Validate(NameKind kind, string? name)
    {
        if (!IsValid(kind, name, out var error))
        {
            throw LibvirtErrors.InvalidArg(error);
        }
    }

    /// <summary>True when <paramref name="name"/> obeys every rule; otherwise
    /// <paramref name="error"/> says which rule it breaks.</summary>
    public static bool IsValid(NameKind kind, string? name, out string error)
    {
        var what = kind switch
        {
            NameKind.Pool => "pool name",
            NameKind.Volume => "volume name",
            NameKind.FsPool => "fspool name",
            _ => "item name",
        };
        error = "";
        if (string.IsNullOrEmpty(name))
        {
            error = $"{what} must not be empty";
            return false;
        }
        var shown = name.Replace("\0", "\\0", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        if (name.Contains('\0'))
        {
            error = $"{what} '{shown}' must not contain a NUL character";
        }
        else if (name.Contains('/'))
        {
            error = $"{what} '{shown}' must not contain '/'";
        }
        else if (name.Contains('\n'))
        {
            error = $"{what} '{shown}' must not contain a newline";
        }
        else if (name[0] == '.')
        {
            error = $"{what} '{shown}' must not start with '.'";
        }
        else
        {
            int bytes = Encoding.UTF8.GetByteCount(name);
            bool definition = kind is NameKind.Pool or NameKind.FsPool;
            int limit = definition ? MaxDefinitionNameBytes : MaxNameBytes;
            if (bytes > limit)
            {
                error = definition
                    ? $"{what} is {bytes} bytes long in UTF-8, over the {limit}-byte limit (its definition is stored as NAME.xml)"
                    : $"{what} is {bytes} bytes long in UTF-8, over the {limit}-byte limit";
            }
        }
        return error.Length == 0;
    }
}
