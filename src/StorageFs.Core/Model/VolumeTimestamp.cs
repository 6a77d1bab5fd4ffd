namespace StorageFs.Core.Model;

/// <summary>
/// A file time as <c>seconds[.nanoseconds]</c> (output only; libvirt's
/// <c>virStorageVolTimestampFormat</c> prints nine nanosecond digits only when non-zero).
/// Invariant: 0 ≤ <see cref="Nanoseconds"/> &lt; 1e9.
/// </summary>
public readonly record struct VolumeTimestamp(long Seconds, long Nanoseconds);
