namespace StorageFs.Core.Driver;

/// <summary>
/// A volume (or item) of a running pool, guarded by its pool's gate. <see cref="Def"/> is
/// never mutated once published: a refresh builds a new definition and swaps it in.
/// </summary>
internal sealed class ChildEntry<TChild>
    where TChild : class
{
    public ChildEntry(TChild def, bool building)
    {
        Def = def;
        Building = building;
    }

    /// <summary>The current definition.</summary>
    public TChild Def { get; set; }

    /// <summary>Being created: libvirt's <c>building</c> flag.</summary>
    public bool Building { get; set; }

    /// <summary>Wipes, resizes, deletes, clones reading it, open streams: libvirt's <c>in_use</c>.</summary>
    public int InUse { get; set; }
}
