namespace StorageFs.Vfs;

/// <summary>
/// Something that can say where it shows below the mount, on demand: a directory made for each
/// of a million volumes asks its subject for its path when an error record needs it, instead
/// of holding that path as a string of its own.
/// </summary>
public interface IPlace
{
    /// <summary>The path below the mount, without a leading slash.</summary>
    string At { get; }
}
