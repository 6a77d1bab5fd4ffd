namespace StorageFs.Fuse.Session;

/// <summary>
/// Limits on open FUSE handles derived from the descriptor limit (see
/// <see cref="DescriptorLimit.Budget"/>), for <see cref="FuseServerOptions"/>' MaxHandles*.
/// </summary>
/// <param name="PerUid">Handles one uid other than root may hold (EMFILE beyond).</param>
/// <param name="Others">Handles all uids other than root may hold together (ENFILE beyond).</param>
/// <param name="Total">Handles everyone may hold, root included (ENFILE beyond).</param>
/// <param name="Reserve">Descriptors no handle may use: the runtime's own (threads need them), logging, the store, tools.</param>
public sealed record HandleBudget(int PerUid, int Others, int Total, int Reserve);
