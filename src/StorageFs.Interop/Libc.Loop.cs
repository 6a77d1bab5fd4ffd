namespace StorageFs.Interop;

/// <summary>The loop-device ioctls (include/uapi/linux/loop.h), for attaching a volume's open
/// descriptor to a loop device and finding the loop devices a file backs.</summary>
public static partial class Libc
{
    /// <summary>LOOP_CTL_GET_FREE on /dev/loop-control: the number of a free loop device.</summary>
    public const nuint LoopCtlGetFree = 0x4C82;

    /// <summary>LOOP_CONFIGURE (kernel 5.8): struct loop_config, 304 bytes.</summary>
    public const nuint LoopConfigure = 0x4C0A;

    /// <summary>LOOP_GET_STATUS64: struct loop_info64, 232 bytes.</summary>
    public const nuint LoopGetStatus64 = 0x4C05;

    /// <summary>lo_flags: detach when the last opener closes.</summary>
    public const uint LoFlagsAutoclear = 4;

    /// <summary>sizeof(struct loop_info64).</summary>
    public const int LoopInfo64Size = 232;

    /// <summary>sizeof(struct loop_config).</summary>
    public const int LoopConfigSize = 304;

    /// <summary>ioctl(2) whose argument is a struct passed as bytes, read and written in place
    /// (LOOP_CONFIGURE, LOOP_GET_STATUS64); the caller lays it out.</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlBuffer(int fd, nuint request, [In, Out] byte[] buffer);
}
