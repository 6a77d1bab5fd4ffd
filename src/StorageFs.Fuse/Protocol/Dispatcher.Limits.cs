using System.Collections.Concurrent;
using System.Globalization;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

// The limits on open handles (FuseServerOptions.MaxHandles*): counted at OPEN, OPENDIR and
// CREATE before the node opens anything, given back at RELEASE and RELEASEDIR.
internal sealed partial class Dispatcher
{
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(1);
    private readonly HandleQuota _quota;
    private readonly ConcurrentDictionary<uint, long> _refusalLogged = new();

    /// <summary>
    /// The errno for an exception that reached the dispatcher: a full descriptor table stays
    /// EMFILE or ENFILE for the one caller (.NET carries errno in an IOException's HResult);
    /// anything else is EIO.
    /// </summary>
    private static Errno ErrnoOf(Exception ex) => ExceptionErrno.Of(ex);

    /// <summary>Handles <paramref name="uid"/> holds (files and directories).</summary>
    internal int HandlesHeldBy(uint uid) => _quota.HeldBy(uid);

    /// <summary>
    /// Counts a handle for the caller before <paramref name="node"/> opens anything; when a limit
    /// is reached, tells the layer above and answers EMFILE (the uid's own limit) or ENFILE.
    /// </summary>
    private Errno TakeHandle(RequestContext ctx, string op, Node node, string? name)
    {
        Errno err = _quota.Take(ctx.Uid, out int held, out int limit, out HandleQuota.Scope scope);
        if (err == Errno.Ok)
            return err;
        string message = scope switch
        {
            HandleQuota.Scope.Uid => string.Create(CultureInfo.InvariantCulture,
                $"uid {ctx.Uid} holds {held} open files and directories in this mount, the most one user may (maxOpenPerUser {limit})"),
            HandleQuota.Scope.Others => string.Create(CultureInfo.InvariantCulture,
                $"users other than root hold {held} open files and directories in this mount, the most they may together ({limit})"),
            _ => string.Create(CultureInfo.InvariantCulture,
                $"this mount holds {held} open files and directories, the most its descriptor limit allows ({limit})"),
        };
        long now = Environment.TickCount64;
        long last = _refusalLogged.GetOrAdd(ctx.Uid, long.MinValue);
        if (now - last >= (long)RefusalLogInterval.TotalMilliseconds && _refusalLogged.TryUpdate(ctx.Uid, now, last))
            _log.Warning("{Op} refused with {Errno} for uid {Uid} (pid {Pid}): {Message}; further refusals are in the error log", op, err, ctx.Uid, ctx.Pid, message);
        try
        {
            _options.HandleRefused?.Invoke(ctx, new HandleRefusal(op, node, name, err, held, limit, message));
        }
        catch (Exception e)
        {
            _log.Error(e, "Recording a refused {Op} failed", op);
        }
        return err;
    }
}
