namespace StorageFs.Fuse.Protocol;

/// <summary>
/// A request handler: reads the request body, writes the reply body into <paramref name="reply"/>
/// (already sized to the reply buffer, header excluded) and returns the errno and body length.
/// </summary>
internal delegate Errno OpHandler(Dispatcher d, in Request request, Span<byte> reply, out int replyLength);

/// <summary>One row of the opcode table: name for traces, the smallest valid body, whether the kernel expects a reply.</summary>
internal readonly record struct OpInfo(string Name, int MinBody, bool NoReply, OpHandler? Handler);
