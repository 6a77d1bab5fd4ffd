namespace StorageFs.Core.Driver;

/// <summary>
/// Who asked for a job: the caller's uid and pid (the tree takes them from the FUSE request)
/// and the arguments of the command that started it (<c>zero</c> for <c>wipe zero</c>), or
/// null when none were given.
/// </summary>
public sealed record JobRequester(uint Uid, uint Pid, string? Arguments);
