namespace StorageFs.Fuse.Protocol;

/// <summary>
/// How many open file and directory handles each uid holds, and the limits on them: per uid
/// other than root (EMFILE beyond it), all uids other than root together and everyone
/// together (ENFILE). Root is trusted and counts only against the last. A handle is counted
/// under the uid that opened it, and given back at RELEASE/RELEASEDIR whoever sends that.
/// A limit of 0 is no limit.
/// </summary>
internal sealed class HandleQuota(int perUid, int others, int total)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, int> _byUid = [];
    private int _others;
    private int _total;

    /// <summary>Counts one handle for <paramref name="uid"/>, or says which limit it would pass.</summary>
    public Errno Take(uint uid, out int held, out int limit, out Scope scope)
    {
        scope = Scope.None;
        lock (_gate)
        {
            int mine = _byUid.GetValueOrDefault(uid);
            if (uid != 0 && perUid > 0 && mine >= perUid)
            {
                scope = Scope.Uid;
                return Refuse(mine, perUid, Errno.EMFILE, out held, out limit);
            }
            if (uid != 0 && others > 0 && _others >= others)
            {
                scope = Scope.Others;
                return Refuse(_others, others, Errno.ENFILE, out held, out limit);
            }
            if (total > 0 && _total >= total)
            {
                scope = Scope.Total;
                return Refuse(_total, total, Errno.ENFILE, out held, out limit);
            }
            _byUid[uid] = mine + 1;
            if (uid != 0)
                _others++;
            _total++;
            held = mine + 1;
            limit = 0;
            return Errno.Ok;
        }
    }

    /// <summary>Gives back a handle counted by <see cref="Take"/>.</summary>
    public void Give(uint uid)
    {
        lock (_gate)
        {
            if (!_byUid.TryGetValue(uid, out int mine))
                return;
            if (mine <= 1)
                _byUid.Remove(uid);
            else
                _byUid[uid] = mine - 1;
            if (uid != 0)
                _others--;
            _total--;
        }
    }

    /// <summary>Handles <paramref name="uid"/> holds now.</summary>
    public int HeldBy(uint uid)
    {
        lock (_gate)
            return _byUid.GetValueOrDefault(uid);
    }

    /// <summary>Which limit refused a handle.</summary>
    public enum Scope
    {
        None,
        Uid,
        Others,
        Total,
    }

    private static Errno Refuse(int heldNow, int limitNow, Errno errno, out int held, out int limit)
    {
        held = heldNow;
        limit = limitNow;
        return errno;
    }
}
