namespace StorageFs.Core.Model;

/// <summary>A path kept as a directory and a name (<c>Path.Combine(directory, name)</c>).</summary>
internal static class Parts
{
    /// <summary>Whether <c>Path.Combine(<paramref name="directory"/>, <paramref name="name"/>)</c>
    /// is <paramref name="path"/>, without making that string.</summary>
    public static bool Equal(string directory, string name, string? path)
    {
        if (path is null)
        {
            return false;
        }
        if (directory.Length == 0 || name.StartsWith('/'))
        {
            return path == name; // Path.Combine takes a rooted second part as it is
        }
        int sep = directory.EndsWith('/') ? 0 : 1;
        return path.Length == directory.Length + sep + name.Length
            && path.StartsWith(directory, StringComparison.Ordinal)
            && (sep == 0 || path[directory.Length] == '/')
            && path.AsSpan(directory.Length + sep).SequenceEqual(name);
    }
}
