namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// The LUNs open through the tree, each with its <see cref="IscsiLunSessions"/> shared by every
/// open of it and closed with the last one (a later open logs in afresh and re-reads the
/// capacity). Keyed by the whole address, credentials included, so a pool redefined with
/// another account or initiator never reuses the old sessions. Thread-safe; the first open of
/// a LUN logs in outside the lock (a slow target delays only opens of that LUN).
/// </summary>
internal sealed class IscsiLunRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IscsiLunAddress, (IscsiLunSessions Sessions, int Opens)> _open = [];

    /// <summary>The sessions of <paramref name="address"/>, counted as one more open until
    /// <see cref="Release"/>.</summary>
    public IscsiLunSessions Acquire(IscsiLunAddress address, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(address, out var entry))
            {
                _open[address] = (entry.Sessions, entry.Opens + 1);
                return entry.Sessions;
            }
        }
        var fresh = new IscsiLunSessions(address, timeout);
        lock (_gate)
        {
            if (_open.TryGetValue(address, out var entry))
            {
                _open[address] = (entry.Sessions, entry.Opens + 1);
                fresh.Dispose();
                return entry.Sessions;
            }
            _open[address] = (fresh, 1);
            return fresh;
        }
    }

    /// <summary>Ends one open of <paramref name="sessions"/>; the last closes its sessions.</summary>
    public void Release(IscsiLunSessions sessions)
    {
        lock (_gate)
        {
            var entry = _open[sessions.Address];
            if (entry.Opens > 1)
            {
                _open[sessions.Address] = (entry.Sessions, entry.Opens - 1);
                return;
            }
            _open.Remove(sessions.Address);
        }
        sessions.Dispose();
    }
}
