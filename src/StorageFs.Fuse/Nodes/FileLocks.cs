namespace StorageFs.Fuse.Nodes;

/// <summary>Where the POSIX, OFD and flock locks taken on an open file are kept (<see cref="FileHandle.Locks"/>).</summary>
public enum FileLocks
{
    /// <summary>In the daemon: seen by every opener through the mount, as the kernel's own local locks would be.</summary>
    Local,

    /// <summary>On the host file behind <see cref="FileHandle.Backing"/>: seen by the host's own lockers too, both ways.</summary>
    Host,

    /// <summary>No locks: GETLK, SETLK and flock fail with ENOLCK.</summary>
    None,
}
