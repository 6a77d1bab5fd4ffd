namespace StorageFs.Cluster;

/// <summary>
/// This host's copy of the cluster's keys: loaded by one range read, then kept current by the
/// watch from the revision after it, so every file of <c>/storage/cluster</c> and every lease
/// look-up is answered from memory. Thread-safe.
/// </summary>
internal sealed class ClusterMirror
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, MirrorEntry> _keys = new(StringComparer.Ordinal);

    /// <summary>The store revision the copy reflects; 0 before the first load.</summary>
    public long Revision { get; private set; }

    /// <summary>True once a range read has filled the copy.</summary>
    public bool Loaded => Revision > 0;

    public void Reset(IEnumerable<(string Key, MirrorEntry Entry)> keys, long revision)
    {
        lock (_gate)
        {
            _keys.Clear();
            foreach (var (key, entry) in keys)
                _keys[key] = entry;
            Revision = revision;
        }
    }

    /// <summary>Applies one watched change; returns the entry it replaced or removed.</summary>
    public MirrorEntry? Apply(string key, MirrorEntry? entry, long revision)
    {
        lock (_gate)
        {
            _keys.TryGetValue(key, out var previous);
            if (entry is null)
                _keys.Remove(key);
            else
                _keys[key] = entry;
            Revision = Math.Max(Revision, revision);
            return previous;
        }
    }

    public MirrorEntry? Get(string key)
    {
        lock (_gate)
            return _keys.GetValueOrDefault(key);
    }

    /// <summary>Every key under <paramref name="prefix"/>, with the prefix cut off, in key order.</summary>
    public List<(string Name, MirrorEntry Entry)> Under(string prefix)
    {
        lock (_gate)
        {
            var list = new List<(string, MirrorEntry)>();
            foreach (var (key, entry) in _keys)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                    list.Add((key[prefix.Length..], entry));
            }
            return list;
        }
    }
}

/// <summary>A key's value and the lease it is attached to (0: none).</summary>
internal sealed record MirrorEntry(string Value, long Lease);
