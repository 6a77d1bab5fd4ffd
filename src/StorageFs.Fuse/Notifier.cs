using System.Text;
using StorageFs.Fuse.Nodes;
using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse;

/// <summary>
/// Tells the kernel that something changed behind its back (fuse.h NOTIFY_*). A node the kernel
/// does not know (never looked up, or forgotten) needs no notification: those calls return Ok
/// at once, as does the kernel's ENOENT for an inode it has already dropped.
/// Deadlock rule (fs/fuse/dev.c, fuse_reverse_inval_entry takes the parent's inode lock): do
/// not send INVAL_ENTRY or DELETE for a directory from inside a request on that directory.
/// </summary>
public sealed class Notifier
{
    private readonly IFuseChannel? _channel;
    private volatile bool _enabled;

    internal Notifier(IFuseChannel? channel) => _channel = channel;

    /// <summary>True once INIT is done and the channel can carry notifications.</summary>
    public bool Enabled => _enabled && _channel is not null;

    internal void Enable() => _enabled = true;

    internal void Disable() => _enabled = false;

    /// <summary>
    /// Drops cached attributes and, unless <paramref name="offset"/> is negative, cached data from
    /// <paramref name="offset"/> for <paramref name="length"/> bytes (0 = to the end).
    /// </summary>
    public Errno InvalidateInode(Node node, long offset = 0, long length = 0)
    {
        ulong id = node.NodeId;
        if (id == 0 || !Enabled)
            return Errno.Ok;
        var body = new Wire.FuseNotifyInvalInodeOut { Ino = id, Off = offset, Len = length };
        return Send(NotifyCode.InvalInode, MemoryMarshal.AsBytes(new ReadOnlySpan<Wire.FuseNotifyInvalInodeOut>(in body)), default);
    }

    /// <summary>Drops the kernel's cached name (or negative entry) <paramref name="name"/> in <paramref name="parent"/>.</summary>
    public Errno InvalidateEntry(Node parent, string name)
    {
        ulong id = parent.NodeId;
        if (id == 0 || !Enabled)
            return Errno.Ok;
        Span<byte> nameBytes = stackalloc byte[256];
        if (!TryName(name, nameBytes, out int n))
            return Errno.ENAMETOOLONG;
        var body = new Wire.FuseNotifyInvalEntryOut { Parent = id, NameLen = (uint)n };
        return Send(NotifyCode.InvalEntry, MemoryMarshal.AsBytes(new ReadOnlySpan<Wire.FuseNotifyInvalEntryOut>(in body)), nameBytes[..(n + 1)]);
    }

    /// <summary>Tells the kernel that <paramref name="child"/> named <paramref name="name"/> left
    /// <paramref name="parent"/> (also evicts it from open-directory caches).</summary>
    public Errno Delete(Node parent, Node child, string name)
    {
        ulong pid = parent.NodeId, cid = child.NodeId;
        if (pid == 0 || !Enabled)
            return Errno.Ok;
        if (cid == 0)
            return InvalidateEntry(parent, name);
        Span<byte> nameBytes = stackalloc byte[256];
        if (!TryName(name, nameBytes, out int n))
            return Errno.ENAMETOOLONG;
        var body = new Wire.FuseNotifyDeleteOut { Parent = pid, Child = cid, NameLen = (uint)n };
        return Send(NotifyCode.Delete, MemoryMarshal.AsBytes(new ReadOnlySpan<Wire.FuseNotifyDeleteOut>(in body)), nameBytes[..(n + 1)]);
    }

    internal Errno PollWakeup(ulong kernelHandle)
    {
        if (!Enabled)
            return Errno.Ok;
        var body = new Wire.FuseNotifyPollWakeupOut { Kh = kernelHandle };
        return Send(NotifyCode.Poll, MemoryMarshal.AsBytes(new ReadOnlySpan<Wire.FuseNotifyPollWakeupOut>(in body)), default);
    }

    private static bool TryName(string name, Span<byte> dest, out int length)
    {
        length = 0;
        if (name.Length > 255 || !Encoding.UTF8.TryGetBytes(name, dest[..255], out length))
            return false;
        dest[length] = 0;
        return true;
    }

    private Errno Send(NotifyCode code, ReadOnlySpan<byte> body, ReadOnlySpan<byte> tail)
    {
        int total = Unsafe.SizeOf<Wire.FuseOutHeader>() + body.Length + tail.Length;
        Span<byte> msg = stackalloc byte[total];
        var header = new Wire.FuseOutHeader { Len = (uint)total, Error = (int)code, Unique = 0 };
        MemoryMarshal.Write(msg, in header);
        body.CopyTo(msg[Unsafe.SizeOf<Wire.FuseOutHeader>()..]);
        tail.CopyTo(msg[(Unsafe.SizeOf<Wire.FuseOutHeader>() + body.Length)..]);
        Errno e = _channel!.Send(msg);
        return e == Errno.ENOENT ? Errno.Ok : e;
    }
}
