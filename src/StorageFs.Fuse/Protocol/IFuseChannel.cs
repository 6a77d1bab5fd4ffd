namespace StorageFs.Fuse.Protocol;

/// <summary>
/// What the protocol layer needs from the device besides request/reply: sending unsolicited
/// notifications and registering passthrough backing files. The /dev/fuse implementation is
/// <see cref="Session.DeviceChannel"/>; protocol tests record instead.
/// </summary>
internal interface IFuseChannel
{
    /// <summary>Writes one complete message (header included).</summary>
    Errno Send(ReadOnlySpan<byte> message);

    /// <summary>FUSE_DEV_IOC_BACKING_OPEN: returns a backing id for <paramref name="fd"/>.</summary>
    Errno BackingOpen(int fd, out int backingId);

    /// <summary>FUSE_DEV_IOC_BACKING_CLOSE.</summary>
    Errno BackingClose(int backingId);
}
