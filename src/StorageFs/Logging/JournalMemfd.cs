using System.Net.Sockets;
using System.Runtime.InteropServices;
using StorageFs.Interop;

namespace StorageFs.Logging;

/// <summary>
/// journald's way for entries larger than a datagram (sd_journal_sendv in systemd's
/// journal-send.c): the entry goes into a memfd, which is sealed against any change
/// (F_SEAL_SHRINK, GROW, WRITE, SEAL) and sent as the only content of a datagram, in an
/// SCM_RIGHTS control message; journald reads the entry from it.
/// </summary>
internal static class JournalMemfd
{
    private const uint MFD_CLOEXEC = 1;
    private const uint MFD_ALLOW_SEALING = 2;
    private const int F_ADD_SEALS = 1033;
    private const int F_SEAL_SEAL = 1;
    private const int F_SEAL_SHRINK = 2;
    private const int F_SEAL_GROW = 4;
    private const int F_SEAL_WRITE = 8;
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;

    public static void Send(Socket socket, UnixDomainSocketEndPoint endpoint, ReadOnlySpan<byte> entry)
    {
        int fd = Libc.MemfdCreate("journal-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
            throw new IOException("memfd_create: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.Write(handle, entry, 0);
        if (Libc.Fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
            throw new IOException("sealing the journal memfd: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));

        // struct sockaddr_un, struct cmsghdr + one int, struct msghdr (64-bit Linux layouts).
        var address = endpoint.Serialize();
        IntPtr name = Marshal.AllocHGlobal(address.Size);
        IntPtr control = Marshal.AllocHGlobal(24);
        IntPtr header = Marshal.AllocHGlobal(56);
        try
        {
            for (int i = 0; i < address.Size; i++)
                Marshal.WriteByte(name, i, address[i]);
            for (int i = 0; i < 24; i++)
                Marshal.WriteByte(control, i, 0);
            Marshal.WriteInt64(control, 0, 20);          // cmsg_len = CMSG_LEN(sizeof(int))
            Marshal.WriteInt32(control, 8, SOL_SOCKET);   // cmsg_level
            Marshal.WriteInt32(control, 12, SCM_RIGHTS);  // cmsg_type
            Marshal.WriteInt32(control, 16, fd);
            for (int i = 0; i < 56; i++)
                Marshal.WriteByte(header, i, 0);
            Marshal.WriteIntPtr(header, 0, name);          // msg_name
            Marshal.WriteInt32(header, 8, address.Size);   // msg_namelen
            Marshal.WriteIntPtr(header, 32, control);      // msg_control (msg_iov, msg_iovlen stay 0)
            Marshal.WriteInt64(header, 40, 24);            // msg_controllen = CMSG_SPACE(sizeof(int))
            if (Libc.SendMsg((int)socket.Handle, header, 0) < 0)
                throw new IOException("sending the journal memfd: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }
        finally
        {
            Marshal.FreeHGlobal(name);
            Marshal.FreeHGlobal(control);
            Marshal.FreeHGlobal(header);
        }
    }
}
