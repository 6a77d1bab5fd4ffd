using System.Globalization;
using System.Text;

namespace StorageFs.Vfs;

/// <summary>
/// Recent failures, so a script that only saw "Invalid argument" can read why:
/// the last <c>perUid</c> records of each uid, for at most <c>keep</c>. The <c>errors</c> file shows
/// a caller its own records; root sees everyone's.
/// </summary>
public sealed class ErrorLog(int perUid = 100, TimeSpan? keep = null, TimeProvider? clock = null)
{
    private readonly TimeSpan _keep = keep ?? TimeSpan.FromMinutes(15);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Queue<ErrorRecord>> _byUid = [];
    private long _seq;

    /// <summary>Records a failure and returns its one-line message, <c>ERRNONAME: message</c>.</summary>
    public string Add(RequestContext ctx, string op, string path, Errno errno, string message) =>
        Add(ctx.Uid, ctx.Pid, op, path, errno, message);

    /// <summary>Records a failure on behalf of <paramref name="uid"/> and <paramref name="pid"/> (for failures found outside their request).</summary>
    public string Add(uint uid, uint pid, string op, string path, Errno errno, string message)
    {
        string line = $"{errno}: {Escape(message)}";
        var rec = new ErrorRecord(Interlocked.Increment(ref _seq), _clock.GetUtcNow(), uid, pid, op, path, errno, line);
        lock (_gate)
        {
            if (!_byUid.TryGetValue(uid, out var q))
                _byUid[uid] = q = new Queue<ErrorRecord>();
            q.Enqueue(rec);
            while (q.Count > perUid)
                q.Dequeue();
        }
        return line;
    }

    /// <summary>The records <paramref name="uid"/> may see, oldest first, one per line.</summary>
    public string Render(uint uid)
    {
        DateTimeOffset cutoff = _clock.GetUtcNow() - _keep;
        List<ErrorRecord> all;
        lock (_gate)
        {
            foreach (var q in _byUid.Values)
            {
                while (q.Count > 0 && q.Peek().Time < cutoff)
                    q.Dequeue();
            }
            all = uid == 0
                ? _byUid.Values.SelectMany(q => q).OrderBy(r => r.Seq).ToList()
                : _byUid.TryGetValue(uid, out var mine) ? [.. mine] : [];
        }
        var sb = new StringBuilder();
        foreach (var r in all)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"{r.Seq} time={r.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} uid={r.Uid} pid={r.Pid} op={r.Op} path={r.Path} errno={r.Errno} msg={r.Message}\n");
        }
        return sb.ToString();
    }

    /// <summary>One line: newlines and other control characters become \n and \xNN.</summary>
    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s.TrimEnd('\n'))
        {
            if (c == '\n')
                sb.Append("\\n");
            else if (c < 0x20 || c == 0x7f)
                sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            else
                sb.Append(c);
        }
        return sb.ToString();
    }
}
