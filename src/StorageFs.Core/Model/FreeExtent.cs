namespace StorageFs.Core.Model;

/// <summary>
/// A free region of a disk pool's device, <c>&lt;freeExtent start='…' end='…'/&gt;</c>:
/// output only (filled by a refresh), never read from XML, as in libvirt.
/// </summary>
public readonly record struct FreeExtent(ulong Start, ulong End);
