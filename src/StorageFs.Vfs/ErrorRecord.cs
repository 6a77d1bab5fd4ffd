namespace StorageFs.Vfs;

/// <summary>One failure as the <c>errors</c> file shows it.</summary>
public sealed record ErrorRecord(long Seq, DateTimeOffset Time, uint Uid, uint Pid, string Op, string Path, Errno Errno, string Message);
