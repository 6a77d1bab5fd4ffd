using Microsoft.Win32.SafeHandles;

namespace StorageFs.Core.Backend;

/// <summary>
/// The host work behind a volume's <c>archive</c>, <c>restore</c> and <c>snapshot</c>: streaming
/// compression through the compressor tools, hole-aware copies, reflink probes. The driver
/// checks and reserves; this moves bytes. Every file is reached through a descriptor of its
/// directory, walked without following a link.
/// </summary>
public interface IVolumeToolbox
{
    /// <summary>The compressors installed on this host.</summary>
    IReadOnlyList<ArchiveCompression> Compressors { get; }

    /// <summary>Whether <paramref name="name"/> exists in <paramref name="directory"/> (a link counts).</summary>
    bool Exists(string directory, string name);

    /// <summary>
    /// Writes the bytes of <paramref name="source"/> (a regular file or a block device), compressed, as <paramref name="name"/> in
    /// <paramref name="directory"/>: into an unnamed file that gets its name only once complete,
    /// so a failure or cancellation leaves no file behind, and an existing file is replaced only
    /// with <paramref name="overwrite"/> (never touched otherwise: EEXIST). Holes of the source
    /// cost no reading. Returns the compressed size.
    /// </summary>
    long Archive(SafeFileHandle source, string directory, string name, bool overwrite, ArchiveCompression compression,
        IOperationProgress progress, CancellationToken cancellation);

    /// <summary>Opens a regular file of <paramref name="directory"/> read-only, for a restore.</summary>
    SafeFileHandle OpenFile(string directory, string name);

    /// <summary>Whether <paramref name="source"/> is an archive, and what it expands to.</summary>
    ArchiveFacts Probe(SafeFileHandle source);

    /// <summary>
    /// Replaces the bytes of the raw file <paramref name="name"/> of <paramref name="directory"/>
    /// with <paramref name="source"/>'s (decompressed when <paramref name="facts"/> says it is an
    /// archive), the rest up to <paramref name="length"/> zero and unallocated: written into a new
    /// unnamed file put in place when complete, so a failure leaves the volume as it was.
    /// Refused (EBUSY) while any process holds the file open for writing.
    /// </summary>
    void RestoreFile(string directory, string name, long length, SafeFileHandle source, ArchiveFacts facts,
        IOperationProgress progress, CancellationToken cancellation);

    /// <summary>Fills the device or file behind <paramref name="target"/> in place: zeroed
    /// first (discarded where the device can), then the source's non-zero bytes.</summary>
    void RestoreInPlace(SafeFileHandle target, long length, SafeFileHandle source, ArchiveFacts facts,
        IOperationProgress progress, CancellationToken cancellation);

    /// <summary>An unnamed file in <paramref name="directory"/> sharing all of
    /// <paramref name="source"/>'s blocks (FICLONE): a point-in-time copy that vanishes when
    /// closed; null where the file system cannot share blocks.</summary>
    SafeFileHandle? ShareUnnamed(SafeFileHandle source, string directory);

    /// <summary>Whether a file in <paramref name="directory"/> can share blocks with another (FICLONE).</summary>
    bool CanReflink(string directory);

    /// <summary>Records on <paramref name="path"/> that it is a snapshot of <paramref name="of"/> (an extended attribute).</summary>
    void MarkSnapshot(string path, string of);

    /// <summary>What <see cref="MarkSnapshot"/> recorded on the file behind <paramref name="file"/>, or null.</summary>
    string? SnapshotOf(SafeFileHandle file);
}
