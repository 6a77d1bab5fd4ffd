namespace StorageFs.Fuse.Abi;

/// <summary>
/// FUSE over io_uring (include/uapi/linux/fuse.h, protocol 7.42+; fs/fuse/dev_uring.c). Each
/// ring entry is two buffers handed to the kernel with REGISTER: a
/// <c>fuse_uring_req_header</c> (the in/out header, the opcode's fixed struct, the entry's
/// commit id and payload size) and a payload of at least the connection's max payload.
/// </summary>
internal static partial class Wire
{
    /// <summary>FUSE_URING_IN_OUT_HEADER_SZ: room for fuse_in_header on fetch, fuse_out_header on commit.</summary>
    public const int UringInOutHeaderSize = 128;

    /// <summary>FUSE_URING_OP_IN_OUT_SZ: the opcode's first argument (fuse_write_in…; empty for name-only requests).</summary>
    public const int UringOpInSize = 128;

    /// <summary>sizeof(struct fuse_uring_req_header): in_out, op_in, ring_ent_in_out.</summary>
    public const int UringReqHeaderSize = UringInOutHeaderSize + UringOpInSize + 32;

    public const uint UringCmdRegister = 1;        // FUSE_IO_URING_CMD_REGISTER
    public const uint UringCmdCommitAndFetch = 2;  // FUSE_IO_URING_CMD_COMMIT_AND_FETCH

    /// <summary>struct fuse_uring_ent_in_out, at offset 256 of the entry header.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FuseUringEntInOut
    {
        public ulong Flags;
        /// <summary>The request's unique on fetch; echoed in fuse_uring_cmd_req.commit_id to commit.</summary>
        public ulong CommitId;
        /// <summary>Payload bytes valid, in either direction.</summary>
        public uint PayloadSz;
        public uint Padding;
        public ulong Reserved;
    }

    /// <summary>struct fuse_uring_cmd_req, in the 80-byte command area of a 128-byte SQE.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FuseUringCmdReq
    {
        public ulong Flags;
        public ulong CommitId;
        public ushort Qid;
        public ushort Padding1;
        public uint Padding2;
    }
}
