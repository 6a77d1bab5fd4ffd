using Microsoft.Win32.SafeHandles;

namespace StorageFs.Core.Backend;

/// <summary>
/// Host-to-host copy of a volume's bytes (docs/CLUSTER.md "Host-to-host copy"): the other host
/// is reached through OpenSSH and its own tree; the bytes travel zstd-compressed.
/// </summary>
public interface IRemoteCopy
{
    /// <summary>
    /// Sends the first <paramref name="length"/> bytes of <paramref name="source"/> to
    /// <paramref name="to"/>, a new raw volume made there (compressed first with
    /// <paramref name="archive"/> when given: an archive). A failure or cancellation leaves no
    /// volume there (the receiving end removes what it made). EEXIST when the name is taken.
    /// </summary>
    RemoteCopyStats Send(SafeFileHandle source, long length, RemotePlace to, ArchiveCompression? archive,
        IOperationProgress progress, CancellationToken cancellation);

    /// <summary>
    /// Fills <paramref name="target"/> (a raw volume of <paramref name="length"/> bytes) with the
    /// bytes of <paramref name="from"/>, expanded when it is a zstd, gzip or xz archive; the rest
    /// reads as zeros. ENOSPC when they are more than <paramref name="length"/>.
    /// </summary>
    RemoteCopyStats Receive(RemotePlace from, SafeFileHandle target, long length,
        IOperationProgress progress, CancellationToken cancellation);
}

/// <summary>What a host-to-host copy moved: the volume's bytes, and the bytes ssh carried.</summary>
public sealed record RemoteCopyStats(long DataBytes, long WireBytes);
