namespace StorageFs.Vfs.Tree;

/// <summary>
/// Whether the readers of volumes/ stat what they list (<c>ls -l</c>, <c>ls -lR</c>): then a
/// listing's first READDIRPLUS reply carries every volume's attributes, instead of names only
/// followed by a LOOKUP per name. Names only is right for <c>ls</c>, <c>ls -U1</c> and globs
/// (a volume's attributes cost a node, the driver's lock and a host stat); a reader that stats
/// shows itself by looking volumes up one by one (LOOKUP, not a listing): <see cref="LookupsToSet"/>
/// within one second, in any pool, and the next listings of every pool carry attributes for
/// <see cref="HoldMilliseconds"/> after. One per tree: <c>ls -lR</c> of 10,000 pools of 100
/// volumes pays the LOOKUPs of its first pool (and one pool every ten seconds), not a million.
/// </summary>
internal sealed class VolumeReaders
{
    internal const int LookupsToSet = 8;
    internal const long HoldMilliseconds = 10_000;

    private long _second = -1;
    private int _lookups;
    private long _statUntil; // Environment.TickCount64 counts from boot: 0 is long past

    /// <summary>A volume was looked up by name at <paramref name="now"/> (Environment.TickCount64).</summary>
    public void LookedUp(long now)
    {
        if (Volatile.Read(ref _statUntil) - now > HoldMilliseconds - 1000)
            return; // set within the last second: nothing to count
        long second = now / 1000;
        // The shared field is written once a second, not per lookup (both ring threads count here).
        if (Volatile.Read(ref _second) != second && Interlocked.Exchange(ref _second, second) != second)
            Volatile.Write(ref _lookups, 0);
        if (Interlocked.Increment(ref _lookups) >= LookupsToSet)
            Volatile.Write(ref _statUntil, now + HoldMilliseconds);
    }

    /// <summary>Whether listings at <paramref name="now"/> carry attributes.</summary>
    public bool Stat(long now) => now < Volatile.Read(ref _statUntil);
}
