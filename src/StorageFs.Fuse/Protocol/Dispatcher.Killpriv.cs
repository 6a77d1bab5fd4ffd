using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

// FUSE_HANDLE_KILLPRIV_V2: the server, not the kernel, drops set-user-ID and set-group-ID.
//
// Without it the kernel asks GETXATTR("security.capability") before every write to a file
// (file_remove_privs: FUSE superblocks lack SB_NOSEC), so each write through passthrough cost a
// round trip to the daemon: 2,048 GETXATTRs for a 2 GiB write in 1 MiB blocks (bench/run
// seqwrite). With it the kernel sets SB_NOSEC and leaves the bits to us, telling us when a
// caller without CAP_FSETID writes (FUSE_WRITE_KILL_SUIDGID), truncates or chowns
// (FATTR_KILL_SUIDGID) or opens with O_TRUNC (FUSE_OPEN_KILL_SUIDGID). Writes through
// passthrough never reach us, so a non-root caller opening such a file for writing loses the
// bits at open: earlier than the kernel would drop them, never later. The rule is the VFS's:
// set-user-ID always goes, set-group-ID only when the group may execute.
// security.capability needs nothing here: the host filesystem removes it on the backing
// write whoever the writer is (cap_inode_need_killpriv).
internal sealed partial class Dispatcher
{
    private const uint WriteKillSuidgid = 1u << 2; // FUSE_WRITE_KILL_SUIDGID, fuse_write_in.write_flags
    private const uint OpenKillSuidgid = 1u << 0;  // FUSE_OPEN_KILL_SUIDGID, fuse_open_in.open_flags
    private const uint S_ISUID = 0x800, S_ISGID = 0x400, S_IXGRP = 0x8, S_IFMT = 0xF000, S_IFREG = 0x8000;
    private const int O_ACCMODE = 3;

    private bool KillprivV2 => (NegotiatedFlags & InitFlags.HandleKillprivV2) != 0;

    /// <summary>The mode without the bits a write drops, or null when it carries none of them.</summary>
    private static uint? WithoutSuidSgid(uint mode)
    {
        if ((mode & S_IFMT) != S_IFREG)
            return null;
        uint kept = mode & ~S_ISUID;
        if ((mode & S_IXGRP) != 0)
            kept &= ~S_ISGID;
        return kept == mode ? null : kept;
    }

    /// <summary>Drops set-user-ID and set-group-ID (as a write would) through the node's SETATTR.</summary>
    private void KillSuidSgid(Node node, RequestContext ctx)
    {
        if (node is not INodeSetAttr setter)
            return;
        FuseAttr attr = default;
        if (node.GetAttr(ctx, ref attr) != Errno.Ok || WithoutSuidSgid(attr.Mode) is not uint mode)
            return;
        Errno err = setter.SetAttr(ctx, new SetattrRequest(SetattrValid.Mode, 0, mode, 0, 0, default, default), null, ref attr);
        if (err != Errno.Ok)
            _log.Warning("Dropping set-user/group-ID of node {Node} failed: {Errno}", node.NodeId, err);
    }

    /// <summary>At OPEN: drops the bits for O_TRUNC by a caller the kernel names, and for any writer through passthrough.</summary>
    private void KillSuidSgidAtOpen(Node node, RequestContext ctx, in Wire.FuseOpenIn open, bool passthrough)
    {
        if (!KillprivV2)
            return;
        bool truncating = (open.OpenFlags & OpenKillSuidgid) != 0;
        bool passthroughWriter = passthrough && ((int)open.Flags & O_ACCMODE) != 0 && ctx.Uid != 0;
        if (truncating || passthroughWriter)
        {
            KillSuidSgid(node, ctx);
            Notifier.InvalidateInode(node, -1);
        }
    }

    /// <summary>SETATTR with FATTR_KILL_SUIDGID (truncate or chown by a caller without CAP_FSETID): add the mode change.</summary>
    private SetattrRequest WithKilledSuidSgid(Node node, RequestContext ctx, SetattrRequest request)
    {
        if (!request.Has(SetattrValid.KillSuidgid) || request.Has(SetattrValid.Mode))
            return request;
        FuseAttr attr = default;
        if (node.GetAttr(ctx, ref attr) != Errno.Ok || WithoutSuidSgid(attr.Mode) is not uint mode)
            return request;
        return request with { Valid = request.Valid | SetattrValid.Mode, Mode = mode };
    }
}
