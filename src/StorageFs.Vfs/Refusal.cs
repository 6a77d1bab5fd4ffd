namespace StorageFs.Vfs;

/// <summary>
/// Reports a refused change for the <c>errors</c> file: the operation, the path below the
/// mount, the errno and a message (the record adds the errno's name in front).
/// </summary>
public delegate void Refusal(RequestContext ctx, string op, string path, Errno errno, string message);
