namespace StorageFs.Fuse.Nodes;

/// <summary>
/// Where the late reply of a parked request goes: the very /dev/fuse descriptor the request was
/// read from (each clone has its own processing queue, fs/fuse/dev.c fuse_dev_do_write looks the
/// unique up there only). Tests record instead.
/// </summary>
public interface IParkedReplySink
{
    /// <summary>Writes one reply: <c>fuse_out_header</c> for <paramref name="unique"/> with
    /// <paramref name="error"/> (0 or a negative errno), then <paramref name="body"/>.</summary>
    void Send(ulong unique, int error, ReadOnlySpan<byte> body);
}
