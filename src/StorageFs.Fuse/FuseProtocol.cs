namespace StorageFs.Fuse;

/// <summary>The FUSE protocol versions this engine speaks (include/uapi/linux/fuse.h), for <c>storagefs version</c>.</summary>
public static class FuseProtocol
{
    /// <summary>The major version; the kernel and the server must agree on it.</summary>
    public const uint Major = Wire.KernelVersion;

    /// <summary>The newest minor version the engine implements; INIT settles on the lower of this and the kernel's.</summary>
    public const uint Minor = Wire.KernelMinorVersion;

    /// <summary>The oldest kernel minor version the engine accepts.</summary>
    public const uint OldestMinor = 31;

    /// <summary>
    /// Which transport a mount gets on this kernel, for <c>storagefs version</c>: io_uring when
    /// the fuse module offers it (enable_uring=Y) and uring is auto or on, else /dev/fuse.
    /// </summary>
    public static string TransportAvailability() => Session.UringTransport.ParameterValue() switch
    {
        null => "/dev/fuse (this kernel has no FUSE over io_uring)",
        "Y" => "io_uring (enable_uring=Y; uring: off keeps /dev/fuse)",
        string v => $"/dev/fuse (enable_uring={v}; io_uring needs Y)",
    };
}
