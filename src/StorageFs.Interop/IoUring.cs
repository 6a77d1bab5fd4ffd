namespace StorageFs.Interop;

/// <summary>
/// io_uring by raw system calls (include/uapi/linux/io_uring.h; io_uring_setup(2),
/// io_uring_enter(2)), and the few memory and thread calls a ring needs. The syscall numbers
/// are the same on every architecture (they were added after the tables were unified).
/// </summary>
public static unsafe partial class IoUring
{
    private const long SysSetup = 425;   // __NR_io_uring_setup
    private const long SysEnter = 426;   // __NR_io_uring_enter

    public const uint SetupCqSize = 1U << 3;
    public const uint SetupSqe128 = 1U << 10;
    public const uint SetupSingleIssuer = 1U << 12;
    public const uint SetupDeferTaskrun = 1U << 13;

    public const uint EnterGetEvents = 1U << 0;

    public const uint FeatSingleMmap = 1U << 0;

    public const long OffSqRing = 0;
    public const long OffCqRing = 0x8000000;
    public const long OffSqes = 0x10000000;

    public const byte OpTimeout = 11;    // IORING_OP_TIMEOUT
    public const byte OpRead = 22;       // IORING_OP_READ
    public const byte OpUringCmd = 46;   // IORING_OP_URING_CMD

    /// <summary>With IORING_SETUP_SQE128 an SQE is 128 bytes; the command area starts at byte 48.</summary>
    public const int Sqe128Size = 128;
    public const int SqeCmdOffset = 48;
    public const int CqeSize = 16;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const int MAP_PRIVATE = 2;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_POPULATE = 0x8000;
    public const int MAP_NORESERVE = 0x4000;
    public const int EFD_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    public struct SqringOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
        public ulong Resv2;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CqringOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
        public ulong Resv2;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Params
    {
        public uint SqEntries;
        public uint CqEntries;
        public uint Flags;
        public uint SqThreadCpu;
        public uint SqThreadIdle;
        public uint Features;
        public uint WqFd;
        public uint Resv0, Resv1, Resv2;
        public SqringOffsets SqOff;
        public CqringOffsets CqOff;
    }

    /// <summary>The first 48 bytes of an SQE (struct io_uring_sqe), as IORING_OP_URING_CMD and IORING_OP_READ use them.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Sqe
    {
        public byte Opcode;
        public byte Flags;
        public ushort Ioprio;
        public int Fd;
        /// <summary>off / addr2; for URING_CMD the low half is cmd_op.</summary>
        public ulong Off;
        public ulong Addr;
        public uint Len;
        public uint OpFlags;
        public ulong UserData;
        public ushort BufIndex;
        public ushort Personality;
        public int SpliceFdIn;
    }

    /// <summary>struct __kernel_timespec, as IORING_OP_TIMEOUT reads it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct KernelTimespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Cqe
    {
        public ulong UserData;
        public int Res;
        public uint Flags;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall2(long number, nint a1, nint a2);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall6(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    /// <summary>io_uring_setup(2): a ring descriptor, or -1 with errno.</summary>
    public static int Setup(uint entries, Params* p) => (int)Syscall2(SysSetup, (nint)entries, (nint)p);

    /// <summary>io_uring_enter(2) without a signal mask: SQEs consumed, or -1 with errno.</summary>
    public static int Enter(int fd, uint toSubmit, uint minComplete, uint flags) =>
        (int)Syscall6(SysEnter, fd, (nint)toSubmit, (nint)minComplete, (nint)flags, 0, 0);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(void* addr, nuint length);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int Eventfd(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetaffinity(int pid, nuint size, ulong* mask);

    public static readonly void* MapFailed = (void*)-1;

    /// <summary>Pins the calling thread to <paramref name="cpu"/> (best effort: false when refused).</summary>
    public static bool PinToCpu(int cpu)
    {
        if (cpu < 0 || cpu >= 1024)
            return false;
        ulong* mask = stackalloc ulong[16];
        for (int i = 0; i < 16; i++)
            mask[i] = 0;
        mask[cpu / 64] = 1UL << (cpu % 64);
        return SchedSetaffinity(0, 16 * sizeof(ulong), mask) == 0;
    }

    /// <summary>
    /// The number of possible CPUs (/sys/devices/system/cpu/possible, e.g. "0-1"): the kernel
    /// makes one FUSE ring queue per possible CPU (fs/fuse/dev_uring.c fuse_uring_create).
    /// </summary>
    public static int PossibleCpus()
    {
        try
        {
            string text = File.ReadAllText("/sys/devices/system/cpu/possible").Trim();
            int max = -1;
            foreach (string part in text.Split(','))
            {
                string last = part.Contains('-', StringComparison.Ordinal) ? part[(part.IndexOf('-', StringComparison.Ordinal) + 1)..] : part;
                if (int.TryParse(last, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n))
                    max = Math.Max(max, n);
            }
            return max >= 0 ? max + 1 : Environment.ProcessorCount;
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
    }
}
