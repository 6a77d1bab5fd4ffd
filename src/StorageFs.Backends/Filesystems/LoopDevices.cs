using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.Filesystems;

/// <summary>
/// Loop devices (drivers/block/loop.c, include/uapi/linux/loop.h): attaching an open
/// descriptor (LOOP_CTL_GET_FREE then LOOP_CONFIGURE, so no path is looked up and the volume
/// is exactly the file the backend opened), and finding the devices a file backs
/// (LOOP_GET_STATUS64 gives the backing file's device and inode, as <c>losetup -j</c> compares).
/// </summary>
internal static class LoopDevices
{
    private const uint LoFlagsReadOnly = 1;

    /// <summary>Attaches <paramref name="backing"/> to a free loop device with autoclear.</summary>
    public static LoopAttachment Attach(SafeFileHandle backing, bool readOnly)
    {
        ArgumentNullException.ThrowIfNull(backing);
        for (int attempt = 0; ; attempt++)
        {
            int number;
            using (var control = Open("/dev/loop-control", Libc.O_RDWR))
            {
                number = Libc.IoctlInt(Fd(control), Libc.LoopCtlGetFree, 0);
                if (number < 0)
                {
                    StorageErrors.ThrowLastSystem("cannot find a free loop device");
                }
            }
            string path = "/dev/loop" + number.ToString(CultureInfo.InvariantCulture);
            var device = Open(path, readOnly ? Libc.O_RDONLY : Libc.O_RDWR);
            byte[] config = new byte[Libc.LoopConfigSize];
            BinaryPrimitives.WriteUInt32LittleEndian(config, (uint)Fd(backing));
            // struct loop_config { u32 fd; u32 block_size; struct loop_info64 info; … }: lo_flags
            // is at 52 in loop_info64.
            BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(8 + 52), Libc.LoFlagsAutoclear | (readOnly ? LoFlagsReadOnly : 0));
            if (Libc.IoctlBuffer(Fd(device), Libc.LoopConfigure, config) == 0)
            {
                return new LoopAttachment(path, device);
            }
            int errno = Marshal.GetLastPInvokeError();
            device.Dispose();
            // Another program took the device between GET_FREE and CONFIGURE: ask again.
            if (errno != (int)Errno.EBUSY || attempt >= 16)
            {
                throw StorageErrors.System(errno, $"cannot attach the volume to {path}");
            }
        }
    }

    /// <summary>Every configured loop device whose backing file is the inode
    /// (<paramref name="devMajor"/>:<paramref name="devMinor"/>, <paramref name="inode"/>).</summary>
    public static IReadOnlyList<LoopDevice> BackedBy(uint devMajor, uint devMinor, ulong inode)
    {
        ulong encoded = (devMinor & 0xff) | ((ulong)devMajor << 8) | ((ulong)(devMinor & ~0xffu) << 12);
        var found = new List<LoopDevice>();
        IEnumerable<string> blocks;
        try
        {
            blocks = Directory.EnumerateDirectories("/sys/block", "loop*");
        }
        catch (DirectoryNotFoundException)
        {
            return found;
        }
        foreach (string sys in blocks)
        {
            // Only configured devices have loop/backing_file; the others need no open.
            if (!File.Exists(System.IO.Path.Combine(sys, "loop", "backing_file")))
            {
                continue;
            }
            string name = System.IO.Path.GetFileName(sys);
            int fd = Libc.Open("/dev/" + name, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
            if (fd < 0)
            {
                continue;
            }
            byte[] info = new byte[Libc.LoopInfo64Size];
            int rc = Libc.IoctlBuffer(fd, Libc.LoopGetStatus64, info);
            Libc.Close(fd);
            if (rc != 0
                || BinaryPrimitives.ReadUInt64LittleEndian(info) != encoded
                || BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(8)) != inode
                || ReadDev(System.IO.Path.Combine(sys, "dev")) is not { } dev)
            {
                continue;
            }
            var parts = new List<(string, uint, uint)>();
            foreach (string part in Directory.EnumerateDirectories(sys, name + "p*"))
            {
                if (ReadDev(System.IO.Path.Combine(part, "dev")) is { } p)
                {
                    parts.Add(("/dev/" + System.IO.Path.GetFileName(part), p.Major, p.Minor));
                }
            }
            found.Add(new LoopDevice("/dev/" + name, dev.Major, dev.Minor, parts));
        }
        return found;
    }

    private static (uint Major, uint Minor)? ReadDev(string file)
    {
        try
        {
            string[] f = File.ReadAllText(file).Trim().Split(':');
            return f.Length == 2
                && uint.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint major)
                && uint.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint minor)
                ? (major, minor)
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static SafeFileHandle Open(string path, int flags)
    {
        int fd = Libc.Open(path, flags | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            StorageErrors.ThrowLastSystem($"cannot open {path}");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static int Fd(SafeFileHandle handle) => (int)handle.DangerousGetHandle();
}
