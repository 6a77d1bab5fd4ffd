namespace StorageFs.Fuse.Nodes;

/// <summary>poll(2) event bits (asm-generic/poll.h).</summary>
public static class PollEvents
{
    public const uint In = 0x001;
    public const uint Pri = 0x002;
    public const uint Out = 0x004;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;
    public const uint RdNorm = 0x040;
}
