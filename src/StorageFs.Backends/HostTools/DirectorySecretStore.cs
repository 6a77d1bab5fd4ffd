using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// Secrets as files in a directory readable by root only (default /etc/storagefs/secrets):
/// <c>by-uuid/UUID</c> or <c>by-usage/USAGE</c>, the value being the file's content (a
/// trailing newline is dropped). A secret file that group or others may read is refused, as ssh
/// refuses a private key anyone can read.
/// </summary>
public sealed class DirectorySecretStore(string directory = DirectorySecretStore.DefaultDirectory) : ISecretStore
{
    /// <summary>The default directory.</summary>
    public const string DefaultDirectory = "/etc/storagefs/secrets";

    /// <inheritdoc/>
    public string? Find(SecretLookup lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        string path;
        if (lookup.Uuid is { } uuid)
        {
            path = Path.Combine(directory, "by-uuid", uuid.ToString("D"));
        }
        else
        {
            var usage = lookup.Usage ?? "";
            if (usage.Length == 0 || usage.Contains('/') || usage is "." or "..")
            {
                return null;
            }
            path = Path.Combine(directory, "by-usage", usage);
        }
        var st = LocalNative.Stat(path, noFollow: true);
        if (st is null)
        {
            return null;
        }
        if (!st.IsRegular || (st.Permissions & 0x3F) != 0)
        {
            throw StorageErrors.Denied($"secret file '{path}' must be a regular file readable by its owner only (mode 0600)");
        }
        return File.ReadAllText(path).TrimEnd('\n');
    }
}
