namespace StorageFs.Core.Driver;

// What the driver asks of a pool's children (volumes, items) alike: listings, one name, and a
// re-read of one child outside the gate.
internal sealed partial class PoolLifecycle<TDef, TChild>
{
    /// <summary>Every child of the running pool <paramref name="name"/>, sorted by name as virsh
    /// sorts (case-insensitively, then ordinally), each described by <paramref name="describe"/>
    /// (definition, building, in use).</summary>
    public IReadOnlyList<TInfo> ListChildren<TInfo>(string name, Func<TChild, bool, int, TInfo> describe)
    {
        var entry = Get(name);
        lock (entry.Gate)
        {
            RequireActive(entry);
            return [.. entry.Children.Values
                .OrderBy(c => c.Def.Name, StringComparer.OrdinalIgnoreCase)
                .ThenBy(c => c.Def.Name, StringComparer.Ordinal)
                .Select(c => describe(c.Def, c.Building, c.InUse))];
        }
    }

    /// <summary>The names <see cref="ListChildren"/> lists, in no particular order: a directory
    /// listing needs nothing else, and sorting and describing 10,000 children per <c>ls</c> cost
    /// more than the listing (bench/run tree-readdir).</summary>
    /// <exception cref="StorageException">Not found, or OperationInvalid for an inactive pool.</exception>
    public IReadOnlyList<string> ChildNames(string name)
    {
        var entry = Get(name);
        lock (entry.Gate)
        {
            RequireActive(entry);
            return [.. entry.Children.Keys];
        }
    }

    /// <summary>Whether the running pool lists a child of that name (one being built included),
    /// without sorting and copying the list.</summary>
    public bool HasChild(string name, string child)
    {
        var entry = Get(name);
        lock (entry.Gate)
        {
            RequireActive(entry);
            return entry.Children.ContainsKey(child);
        }
    }

    /// <summary>
    /// Re-reads one child outside the gate with <paramref name="refresh"/> (given the pool's
    /// definition and a copy-to-be of the child's; it returns the re-read definition) and
    /// publishes the result unless the child changed meanwhile. A child being built, or one of
    /// a pool whose backend cannot re-read it (<paramref name="refreshes"/> false), is answered
    /// as the driver has it.
    /// </summary>
    public (TDef Def, TChild Child, bool Building, int InUse) RefreshChild(string name, string childName,
        Func<TDef, bool> refreshes, Func<TDef, TChild, TChild> refresh)
    {
        var entry = Get(name);
        TDef def;
        ChildEntry<TChild> child;
        TChild seen;
        lock (entry.Gate)
        {
            child = RequireChild(entry, childName);
            def = entry.Def;
            seen = child.Def;
            if (child.Building || !refreshes(def))
            {
                return (def, seen, child.Building, child.InUse);
            }
        }
        var refreshed = refresh(def, seen);
        lock (entry.Gate)
        {
            if (entry.Children.TryGetValue(childName, out var current) && current == child && child.Def == seen)
            {
                child.Def = refreshed;
            }
            return (def, refreshed, child.Building, child.InUse);
        }
    }

    /// <summary>
    /// Holds child <paramref name="childName"/> of <paramref name="source"/> as what a job reads
    /// (a clone's source, an archive's volume) for a job on <paramref name="target"/> (null: a
    /// job of its own): under the source's gate, <paramref name="check"/> (given the pool's
    /// definition and the child) may refuse; then the child is in use (writers refused) and,
    /// unless the source is the target, its pool has one more job (it cannot be stopped or
    /// deleted meanwhile). <see cref="HeldSource.Release"/> undoes both, once.
    /// </summary>
    public HeldSource HoldSource(PoolEntry<TDef, TChild> source, PoolEntry<TDef, TChild>? target, string childName,
        Action<TDef, ChildEntry<TChild>> check)
    {
        lock (source.Gate)
        {
            var child = RequireChild(source, childName);
            check(source.Def, child);
            child.InUse++;
            source.Touch(childName);
            if (source != target)
            {
                source.AsyncJobs++;
            }
            int released = 0;
            return new HeldSource(source.Def, child.Def, () =>
            {
                if (Interlocked.Exchange(ref released, 1) != 0)
                {
                    return;
                }
                lock (source.Gate)
                {
                    child.InUse--;
                    source.Touch(childName);
                    if (source != target)
                    {
                        source.AsyncJobs--;
                    }
                }
            });
        }
    }

    /// <summary>
    /// Ends the reservation of a new child (<paramref name="reserved"/>, building, with one job
    /// counted on the pool): when <paramref name="ok"/> the child is <paramref name="built"/>, the
    /// pool's numbers grow by its allocation and <c>VolumeCreated</c> is raised (with no lock
    /// held); else the reservation is dropped. A reservation replaced meanwhile (the pool
    /// refreshed or stopped) is left alone.
    /// </summary>
    public void CommitNewChild(PoolEntry<TDef, TChild> entry, ChildEntry<TChild> reserved, TChild built, bool ok)
    {
        lock (entry.Gate)
        {
            entry.AsyncJobs--;
            if (!entry.Children.TryGetValue(built.Name, out var current) || current != reserved)
            {
                return;
            }
            if (ok)
            {
                reserved.Def = built;
                entry.Touch(built.Name);
                reserved.Building = false;
                entry.AdjustSizes((long)built.Allocation);
            }
            else
            {
                entry.Children.Remove(built.Name);
                entry.Touch(built.Name);
            }
        }
        if (ok)
        {
            Raise(StorageEventKind.VolumeCreated, entry, built.Name);
        }
    }

    /// <summary>A clone's source as <see cref="HoldSource"/> held it: the pool's definition and
    /// the child's at that moment.</summary>
    public sealed record HeldSource(TDef Def, TChild Child, Action Release);
}
