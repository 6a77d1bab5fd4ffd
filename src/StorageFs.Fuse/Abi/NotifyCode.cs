namespace StorageFs.Fuse.Abi;

/// <summary><c>enum fuse_notify_code</c>: sent in <c>fuse_out_header.error</c> with unique 0.</summary>
public enum NotifyCode
{
    Poll = 1,
    InvalInode = 2,
    InvalEntry = 3,
    Store = 4,
    Retrieve = 5,
    Delete = 6,
    Resend = 7,
    IncEpoch = 8,
    Prune = 9,
}
