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

    /// <summary>The part of <see cref="InUse"/> that is opens of the volume's data (leases of
    /// <see cref="StorageDriver.OpenVolume"/>): they exclude the driver's changes, never each other.</summary>
    public int Opens { get; set; }

    /// <summary>The part of <see cref="Opens"/> that may write: a clone must not start on a
    /// volume being written (qemu-img would copy, or fail on, a half-written image).</summary>
    public int WriteOpens { get; set; }

    /// <summary>An exclusive user changes it (wipe, resize, delete): a clone must not
    /// read it meanwhile, or it copies a half-wiped image ("Image is not in qcow2 format" under concurrent
    /// writers). Set by the exclusive change (<see cref="InUse"/> was 0) and cleared when it ends.</summary>
    public bool Changing { get; set; }
}
