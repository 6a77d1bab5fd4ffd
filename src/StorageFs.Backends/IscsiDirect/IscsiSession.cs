using System.Runtime.InteropServices;
using StorageFs.Backends.Devices;
using StorageFs.Interop;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// One libiscsi context logged in to one LUN (libvirt's <c>virISCSIDirectConnect</c>): header
/// digest none-or-CRC32C, CHAP when the pool has an account, no automatic reconnect (a lost
/// connection fails the command instead of retrying forever), every PDU (login included)
/// expiring after the session's timeout, TCP's own timeouts bounded the same way. Commands
/// move whole blocks through a pinned buffer of <see cref="MaxTransfer"/> bytes. Failures are
/// <see cref="IOException"/>s whose HResult is the errno to answer (EIO, ETIMEDOUT) and whose
/// message carries libiscsi's text; after one that is not the target's own answer (CHECK
/// CONDITION) the session is <see cref="Broken"/> and must be disposed. Not thread-safe: one
/// caller at a time (<see cref="IscsiLunSessions"/> hands it out).
/// </summary>
internal sealed class IscsiSession : IDisposable
{
    /// <summary>The most bytes one READ or WRITE moves.</summary>
    public const int MaxTransfer = 512 * 1024;

    private const int LogoutTimeoutSeconds = 2, UnitAttentionRetries = 4;
    private readonly IscsiLunAddress _address;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(MaxTransfer, pinned: true);
    private IntPtr _context;

    private IscsiSession(IscsiLunAddress address, IntPtr context)
    {
        _address = address;
        _context = context;
    }

    /// <summary>The pinned transfer buffer (<see cref="MaxTransfer"/> bytes).</summary>
    public Span<byte> Buffer => _buffer;

    /// <summary>True once a command failed in a way that leaves the connection unusable.</summary>
    public bool Broken { get; private set; }

    /// <summary>True once a command got no answer within the timeout (the session is then <see cref="Broken"/>).</summary>
    public bool TimedOut { get; private set; }

    /// <summary>True once the session has served a command and waited idle since: its
    /// connection may have been dropped meanwhile (a target restarted, or one that closes
    /// sessions not answering its NOP-In pings, which libiscsi answers only while a command
    /// runs).</summary>
    public bool Reused { get; set; }

    /// <summary>Logs in to <paramref name="address"/>, giving up after <paramref name="timeout"/>.</summary>
    /// <exception cref="IOException">EIO (refused, unknown target, login failure) or ETIMEDOUT.</exception>
    public static IscsiSession Connect(IscsiLunAddress address, TimeSpan timeout)
    {
        var context = LibIscsi.iscsi_create_context(address.Initiator);
        if (context == IntPtr.Zero)
        {
            throw new IOException($"{address}: cannot create a libiscsi context", (int)Errno.EIO);
        }
        var session = new IscsiSession(address, context);
        try
        {
            int seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
            LibIscsi.iscsi_set_timeout(context, seconds);
            LibIscsi.iscsi_set_noautoreconnect(context, 1);
            LibIscsi.iscsi_set_reconnect_max_retries(context, 0);
            LibIscsi.iscsi_set_tcp_user_timeout(context, seconds * 1000);
            LibIscsi.iscsi_set_tcp_syncnt(context, 3);
            session.Check(LibIscsi.iscsi_set_targetname(context, address.Target), "setting the target name");
            session.Check(LibIscsi.iscsi_set_session_type(context, LibIscsi.SessionNormal), "setting the session type");
            session.Check(LibIscsi.iscsi_set_header_digest(context, LibIscsi.HeaderDigestNoneCrc32c), "setting the header digest");
            if (address.Credentials is { } chap)
            {
                session.Check(LibIscsi.iscsi_set_initiator_username_pwd(context, chap.User, chap.Password), "setting the CHAP account");
            }
            var started = DateTime.UtcNow;
            if (LibIscsi.iscsi_full_connect_sync(context, address.Portal, address.Lun) != 0)
            {
                string error = LibIscsi.Error(context);
                bool late = DateTime.UtcNow - started >= timeout || error.Contains("timed out", StringComparison.OrdinalIgnoreCase);
                if (address.Credentials is { } account && IscsiCredentials.IsAuthenticationFailure(error))
                {
                    throw new IOException($"{address}: cannot log in: the target refused the CHAP login of user '{account.User}' " +
                        $"(check the value of the pool's secret): {error}", (int)Errno.EKEYREJECTED);
                }
                throw new IOException($"{address}: cannot log in: {error}", late ? (int)Errno.ETIMEDOUT : (int)Errno.EIO);
            }
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>READ CAPACITY(16): the block size and the number of blocks.</summary>
    public (int BlockSize, long Blocks) ReadCapacity()
    {
        var task = Run(() => LibIscsi.iscsi_readcapacity16_sync(_context, _address.Lun), "READ CAPACITY(16)");
        try
        {
            var data = LibIscsi.scsi_datain_unmarshall(task);
            if (data == IntPtr.Zero)
            {
                throw new IOException($"{_address}: READ CAPACITY(16) answer cannot be parsed", (int)Errno.EIO);
            }
            // struct scsi_readcapacity16 { uint64_t returned_lba; uint32_t block_length; … }
            long lastLba = Marshal.ReadInt64(data);
            int blockSize = Marshal.ReadInt32(data, 8);
            if (blockSize <= 0 || blockSize > MaxTransfer || (blockSize & (blockSize - 1)) != 0 || lastLba < 0)
            {
                throw new IOException($"{_address}: unusable capacity (block size {blockSize}, last block {lastLba})", (int)Errno.EIO);
            }
            return (blockSize, lastLba + 1);
        }
        finally
        {
            LibIscsi.scsi_free_scsi_task(task);
        }
    }

    /// <summary>READ(16) of <paramref name="bytes"/> (whole blocks) at <paramref name="lba"/> into
    /// <see cref="Buffer"/> at <paramref name="into"/> (the bytes must fit).</summary>
    public void Read(long lba, int bytes, int blockSize, int into = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(into + bytes, MaxTransfer);
        var iov = new LibIscsi.ScsiIovec { Base = Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, into), Length = (nuint)bytes };
        var task = Run(() => LibIscsi.iscsi_read16_iov_sync(_context, _address.Lun, (ulong)lba, (uint)bytes, blockSize, 0, 0, 0, 0, 0, ref iov, 1),
            "READ(16)");
        LibIscsi.scsi_free_scsi_task(task);
    }

    /// <summary>WRITE(16) of the first <paramref name="bytes"/> of <see cref="Buffer"/> (whole blocks) at <paramref name="lba"/>.</summary>
    public void Write(long lba, int bytes, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, MaxTransfer);
        var task = Run(() => LibIscsi.iscsi_write16_sync(_context, _address.Lun, (ulong)lba, ref _buffer[0], (uint)bytes, blockSize, 0, 0, 0, 0, 0),
            "WRITE(16)");
        LibIscsi.scsi_free_scsi_task(task);
    }

    /// <summary>SYNCHRONIZE CACHE(16) of the whole LUN: what was written is on the target's media.</summary>
    public void Synchronize()
    {
        var task = Run(() => LibIscsi.iscsi_synchronizecache16_sync(_context, _address.Lun, 0, 0, 0, 0), "SYNCHRONIZE CACHE(16)");
        LibIscsi.scsi_free_scsi_task(task);
    }

    /// <summary>Logs out (when still usable) and destroys the context.</summary>
    public void Dispose()
    {
        if (_context != IntPtr.Zero)
        {
            if (!Broken)
            {
                // Polite but short: a target that stopped answering must not hold a close.
                LibIscsi.iscsi_set_timeout(_context, LogoutTimeoutSeconds);
                LibIscsi.iscsi_logout_sync(_context);
            }
            LibIscsi.iscsi_destroy_context(_context);
            _context = IntPtr.Zero;
        }
    }

    // Issues a command until it completes with GOOD status, returning its task (the caller
    // frees it), or throws. A UNIT ATTENTION (a new I_T nexus, a reset, a changed capacity) is
    // reported once per condition and means "try again", as the kernel's sd does.
    private IntPtr Run(Func<IntPtr> issue, string command)
    {
        for (int attempt = 1; ; attempt++)
        {
            var task = issue();
            if (task != IntPtr.Zero && LibIscsi.Status(task) == LibIscsi.StatusCheckCondition &&
                LibIscsi.SenseKey(task) == LibIscsi.SenseUnitAttention && attempt < UnitAttentionRetries)
            {
                LibIscsi.scsi_free_scsi_task(task);
                continue;
            }
            return Completed(task, command);
        }
    }

    // A task that completed with GOOD status, or an IOException; the caller frees the task.
    private IntPtr Completed(IntPtr task, string command)
    {
        if (task == IntPtr.Zero)
        {
            Broken = true;
            string error = LibIscsi.Error(_context);
            TimedOut = error.Contains("timed out", StringComparison.OrdinalIgnoreCase);
            throw new IOException($"{_address}: {command} failed: {error}", TimedOut ? (int)Errno.ETIMEDOUT : (int)Errno.EIO);
        }
        int status = LibIscsi.Status(task);
        if (status == LibIscsi.StatusGood)
        {
            return task;
        }
        string text = LibIscsi.Error(_context);
        LibIscsi.scsi_free_scsi_task(task);
        if (status == LibIscsi.StatusTimeout)
        {
            Broken = true;
            TimedOut = true;
            throw new IOException($"{_address}: {command} got no answer in time: {text}", (int)Errno.ETIMEDOUT);
        }
        Broken = status != LibIscsi.StatusCheckCondition;
        throw new IOException($"{_address}: {command} failed: {text}", (int)Errno.EIO);
    }

    private void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new IOException($"{_address}: {what}: {LibIscsi.Error(_context)}", (int)Errno.EIO);
        }
    }
}
