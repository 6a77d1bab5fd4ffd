namespace StorageFs.Core.Driver;

/// <summary>Where an archive goes or a restore comes from: a volume (<c>POOL/NAME</c>) or a
/// file (<c>/ABSOLUTE/PATH</c> under an allowed directory).</summary>
/// <param name="Pool">The pool of a volume, or null for a file.</param>
/// <param name="Name">The volume's name, or the file's absolute path.</param>
public sealed record VolumePlace(string? Pool, string Name)
{
    /// <summary>Reads <c>POOL/NAME</c> or an absolute path.</summary>
    /// <exception cref="StorageException">InvalidArg for anything else.</exception>
    public static VolumePlace Parse(string text)
    {
        if (text.StartsWith('/'))
        {
            return new VolumePlace(null, text);
        }
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1 || text.IndexOf('/', slash + 1) >= 0)
        {
            throw Backend.StorageErrors.InvalidArg($"'{text}' is neither POOL/NAME nor an absolute path");
        }
        return new VolumePlace(text[..slash], text[(slash + 1)..]);
    }

    /// <inheritdoc/>
    public override string ToString() => Pool is null ? Name : $"{Pool}/{Name}";
}
