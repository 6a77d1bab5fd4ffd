using System.Collections.Concurrent;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// Open file and directory handles by the number given to the kernel in <c>fh</c>.
/// Numbers count up from 1 and are never reused within a mount.
/// </summary>
internal sealed class HandleTable<T>
    where T : class
{
    private readonly ConcurrentDictionary<ulong, T> _handles = new();
    private long _next;

    public int Count => _handles.Count;

    public ulong Add(T handle)
    {
        ulong fh = (ulong)Interlocked.Increment(ref _next);
        _handles[fh] = handle;
        return fh;
    }

    public T? Get(ulong fh) => _handles.TryGetValue(fh, out var h) ? h : null;

    public T? Remove(ulong fh) => _handles.TryRemove(fh, out var h) ? h : null;
}
