namespace StorageFs.Backends.Toolbox;

/// <summary>
/// zstd frames written directly (RFC 8878): a frame of zero bytes as RLE blocks, which any
/// zstd decoder expands and which costs 4 bytes per 128 KiB, so a hole is never compressed.
/// </summary>
internal static class ZstdFrames
{
    private const int BlockBytes = 128 << 10; // Block_Maximum_Size with a 128 KiB window

    /// <summary>A complete frame expanding to <paramref name="length"/> zero bytes (length &gt; 0).</summary>
    public static byte[] Zeros(long length)
    {
        long blocks = (length + BlockBytes - 1) / BlockBytes;
        var frame = new byte[6 + (blocks * 4)];
        // Magic_Number 0xFD2FB528 (little-endian), Frame_Header_Descriptor 0 (no content size,
        // not single segment, no checksum, no dictionary), Window_Descriptor: 2^(10+7) = 128 KiB.
        frame[0] = 0x28;
        frame[1] = 0xB5;
        frame[2] = 0x2F;
        frame[3] = 0xFD;
        frame[4] = 0x00;
        frame[5] = 7 << 3;
        int at = 6;
        for (long left = length; left > 0;)
        {
            int size = (int)Math.Min(BlockBytes, left);
            left -= size;
            // Block_Header: Last_Block (bit 0), Block_Type 1 = RLE (bits 1-2), Block_Size (bits 3-23).
            uint header = (uint)(left == 0 ? 1 : 0) | (1u << 1) | ((uint)size << 3);
            frame[at] = (byte)header;
            frame[at + 1] = (byte)(header >> 8);
            frame[at + 2] = (byte)(header >> 16);
            frame[at + 3] = 0; // the repeated byte
            at += 4;
        }
        return frame;
    }
}
