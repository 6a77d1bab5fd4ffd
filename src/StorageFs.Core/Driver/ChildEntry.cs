namespace StorageFs.Core.Driver;

/// <summary>
/// A volume (or item) of a running pool, guarded by its pool's gate. <see cref="Def"/> is
/// never mutated once published: a refresh builds a new definition and swaps it in.
/// </summary>
/// <remarks>
/// Every volume of a running pool has one, and almost all of them are idle: the flags and
/// counts live in an object made when one first leaves its default and dropped when all are
/// back (32 bytes an entry, where fields of their own made it 40: a million volumes, 8 MB).
/// </remarks>
internal sealed class ChildEntry<TChild>
    where TChild : class
{
    private Use? _use;

    public ChildEntry(TChild def, bool building)
    {
        Def = def;
        Building = building;
    }

    /// <summary>The current definition.</summary>
    public TChild Def { get; set; }

    /// <summary>Being created: libvirt's <c>building</c> flag.</summary>
    public bool Building
    {
        get => _use?.Building ?? false;
        set => Change(static (u, v) => u.Building = v, value);
    }

    /// <summary>Wipes, resizes, deletes, clones reading it, open streams: libvirt's <c>in_use</c>.</summary>
    public int InUse
    {
        get => _use?.InUse ?? 0;
        set => Change(static (u, v) => u.InUse = v, value);
    }

    /// <summary>The part of <see cref="InUse"/> that is opens of the volume's data (leases of
    /// <see cref="StorageDriver.OpenVolume"/>): they exclude the driver's changes, never each other.</summary>
    public int Opens
    {
        get => _use?.Opens ?? 0;
        set => Change(static (u, v) => u.Opens = v, value);
    }

    /// <summary>The part of <see cref="Opens"/> that may write: a clone must not start on a
    /// volume being written (qemu-img would copy, or fail on, a half-written image).</summary>
    public int WriteOpens
    {
        get => _use?.WriteOpens ?? 0;
        set => Change(static (u, v) => u.WriteOpens = v, value);
    }

    /// <summary>An exclusive user changes it (wipe, resize, delete): a clone must not
    /// read it meanwhile, or it copies a half-wiped image ("Image is not in qcow2 format" under concurrent
    /// writers). Set by the exclusive change (<see cref="InUse"/> was 0) and cleared when it ends.</summary>
    public bool Changing
    {
        get => _use?.Changing ?? false;
        set => Change(static (u, v) => u.Changing = v, value);
    }

    private void Change<T>(Action<Use, T> set, T value)
    {
        if (_use is null && EqualityComparer<T>.Default.Equals(value, default))
            return;
        var use = _use ??= new Use();
        set(use, value);
        if (use.IsIdle)
            _use = null;
    }

    private sealed class Use
    {
        public bool Building;
        public int InUse;
        public int Opens;
        public int WriteOpens;
        public bool Changing;

        public bool IsIdle => !Building && InUse == 0 && Opens == 0 && WriteOpens == 0 && !Changing;
    }
}
