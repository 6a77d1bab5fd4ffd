using System.Runtime.InteropServices;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// The libiscsi calls (libiscsi7, iscsi/iscsi.h and iscsi/scsi-lowlevel.h) the iscsi-direct data
/// path makes: a context per session, login, READ CAPACITY(16), READ(16) into a caller's iovec,
/// WRITE(16) from a caller's buffer, SYNCHRONIZE CACHE(16). The <c>_sync</c> calls run
/// libiscsi's own poll loop (1 s ticks, which also expire PDUs past <c>iscsi_set_timeout</c>)
/// on the calling thread; a context is not thread-safe, so each is used by one thread at a
/// time. A returned <c>scsi_task</c> is freed with <see cref="scsi_free_scsi_task"/>; its first
/// field is the SCSI status (int).
/// </summary>
internal static class LibIscsi
{
    private const string Lib = "libiscsi.so.7";

    /// <summary>SCSI_STATUS_GOOD.</summary>
    public const int StatusGood = 0;

    /// <summary>SCSI_STATUS_CHECK_CONDITION: the target answered, with sense data.</summary>
    public const int StatusCheckCondition = 2;

    /// <summary>SCSI_STATUS_TIMEOUT: libiscsi expired the PDU (iscsi_set_timeout).</summary>
    public const int StatusTimeout = 0x0f000002;

    /// <summary>ISCSI_SESSION_NORMAL.</summary>
    public const int SessionNormal = 2;

    /// <summary>ISCSI_HEADER_DIGEST_NONE_CRC32C: none preferred, CRC32C accepted (libvirt's choice).</summary>
    public const int HeaderDigestNoneCrc32c = 1;

    /// <summary>struct scsi_iovec (POSIX struct iovec).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ScsiIovec
    {
        public IntPtr Base;
        public nuint Length;
    }

    [DllImport(Lib)]
    public static extern IntPtr iscsi_create_context([MarshalAs(UnmanagedType.LPUTF8Str)] string initiatorName);

    [DllImport(Lib)]
    public static extern int iscsi_destroy_context(IntPtr iscsi);

    [DllImport(Lib)]
    public static extern IntPtr iscsi_get_error(IntPtr iscsi);

    [DllImport(Lib)]
    public static extern int iscsi_set_targetname(IntPtr iscsi, [MarshalAs(UnmanagedType.LPUTF8Str)] string targetName);

    [DllImport(Lib)]
    public static extern int iscsi_set_session_type(IntPtr iscsi, int sessionType);

    [DllImport(Lib)]
    public static extern int iscsi_set_header_digest(IntPtr iscsi, int headerDigest);

    [DllImport(Lib)]
    public static extern int iscsi_set_initiator_username_pwd(IntPtr iscsi,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string user, [MarshalAs(UnmanagedType.LPUTF8Str)] string password);

    [DllImport(Lib)]
    public static extern int iscsi_set_timeout(IntPtr iscsi, int seconds);

    [DllImport(Lib)]
    public static extern void iscsi_set_noautoreconnect(IntPtr iscsi, int state);

    [DllImport(Lib)]
    public static extern void iscsi_set_reconnect_max_retries(IntPtr iscsi, int count);

    [DllImport(Lib)]
    public static extern int iscsi_set_tcp_user_timeout(IntPtr iscsi, int milliseconds);

    [DllImport(Lib)]
    public static extern int iscsi_set_tcp_syncnt(IntPtr iscsi, int count);

    [DllImport(Lib)]
    public static extern int iscsi_full_connect_sync(IntPtr iscsi, [MarshalAs(UnmanagedType.LPUTF8Str)] string portal, int lun);

    [DllImport(Lib)]
    public static extern int iscsi_logout_sync(IntPtr iscsi);

    [DllImport(Lib)]
    public static extern IntPtr iscsi_readcapacity16_sync(IntPtr iscsi, int lun);

    [DllImport(Lib)]
    public static extern IntPtr iscsi_read16_iov_sync(IntPtr iscsi, int lun, ulong lba, uint dataLength, int blockSize,
        int rdprotect, int dpo, int fua, int fuaNv, int groupNumber, ref ScsiIovec iov, int niov);

    [DllImport(Lib)]
    public static extern IntPtr iscsi_write16_sync(IntPtr iscsi, int lun, ulong lba, ref byte data, uint dataLength, int blockSize,
        int wrprotect, int dpo, int fua, int fuaNv, int groupNumber);

    [DllImport(Lib)]
    public static extern IntPtr iscsi_synchronizecache16_sync(IntPtr iscsi, int lun, ulong lba, uint blocks, int syncNv, int immed);

    [DllImport(Lib)]
    public static extern IntPtr scsi_datain_unmarshall(IntPtr task);

    [DllImport(Lib)]
    public static extern void scsi_free_scsi_task(IntPtr task);

    /// <summary>The context's last error text (never null).</summary>
    public static string Error(IntPtr iscsi) => Marshal.PtrToStringUTF8(iscsi_get_error(iscsi)) ?? "unknown libiscsi error";

    /// <summary>A task's SCSI status (struct scsi_task's first field).</summary>
    public static int Status(IntPtr task) => Marshal.ReadInt32(task);

    /// <summary>SCSI_SENSE_UNIT_ATTENTION.</summary>
    public const int SenseUnitAttention = 6;

    /// <summary>The sense key of a CHECK CONDITION task: <c>task-&gt;sense.key</c>, at offset 52 of
    /// struct scsi_task in the LP64 layout (x86_64, aarch64: status, cdb_size, xfer_dir,
    /// expxferlen, cdb[16], residual_status, size_t residual, then struct scsi_sense whose
    /// error_type byte is followed by the enum key).</summary>
    public static int SenseKey(IntPtr task) => Marshal.ReadInt32(task, 52);

    /// <summary>True when libiscsi can be loaded here.</summary>
    public static bool Loadable()
    {
        if (!NativeLibrary.TryLoad(Lib, typeof(LibIscsi).Assembly, null, out var handle))
        {
            return false;
        }
        NativeLibrary.Free(handle);
        return true;
    }
}
