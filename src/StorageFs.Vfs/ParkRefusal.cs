namespace StorageFs.Vfs;

/// <summary>The message recorded in <c>errors</c> when a user has too many requests waiting (FuseServerOptions.MaxParkedPerUid).</summary>
internal static class ParkRefusal
{
    public static string Message(RequestContext ctx) =>
        $"too many requests waiting for uid {ctx.Uid} (blocked reads of events, job waits, ctl commands, lock waits): the limit is per user";
}
