namespace StorageFs.Fuse;

/// <summary>Which transport carries requests after INIT (docs/ARCHITECTURE.md, "Transports").</summary>
public enum UringMode
{
    /// <summary>FUSE over io_uring when the kernel offers it (module parameter enable_uring=Y), else /dev/fuse reads.</summary>
    Auto,

    /// <summary>FUSE over io_uring, or the mount fails when the module parameter refuses it.</summary>
    On,

    /// <summary>/dev/fuse reads only.</summary>
    Off,
}
