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
}
