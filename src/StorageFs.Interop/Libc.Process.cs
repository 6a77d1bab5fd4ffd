namespace StorageFs.Interop;

// The process's and the thread's identity (fsuid/fsgid, groups, umask), sockets and memfds.
public static partial class Libc
{
    public const int CLONE_FS = 0x200;
    public const uint MFD_ALLOW_SEALING = 2;
    public const int F_ADD_SEALS = 1033;

    private static readonly bool s_arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    // asm/unistd.h: x86_64 unistd_64.h; arm64 uses the generic table.
    private static readonly long SYS_setgroups = s_arm64 ? 159 : 116;
    private static readonly long SYS_setfsuid = s_arm64 ? 151 : 122;
    private static readonly long SYS_setfsgid = s_arm64 ? 152 : 123;

    /// <summary>setfsuid(2), this thread only; returns the previous fsuid.</summary>
    public static uint SetFsUid(uint uid) => (uint)SyscallId(SYS_setfsuid, uid);

    /// <summary>setfsgid(2), this thread only; returns the previous fsgid.</summary>
    public static uint SetFsGid(uint gid) => (uint)SyscallId(SYS_setfsgid, gid);

    /// <summary>The raw setgroups system call: this thread only (glibc's setgroups() changes every thread).</summary>
    public static int SetGroupsThread(uint[] groups) => (int)SyscallGroups(SYS_setgroups, groups.Length, groups);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallId(long number, long id);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallGroups(long number, long size, [In] uint[] list);

    [LibraryImport("libc", EntryPoint = "getgroups", SetLastError = true)]
    public static partial int GetGroups(int size, [Out] uint[]? list);

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, nint msg, int flags);

    /// <summary>fstat(2) into a raw buffer (struct stat, at least 144 bytes on LP64).</summary>
    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    public static partial int Fstat(int fd, [Out] byte[] buffer);
}
