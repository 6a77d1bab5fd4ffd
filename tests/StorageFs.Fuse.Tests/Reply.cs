namespace StorageFs.Fuse.Tests;

/// <summary>A decoded reply: header fields and body bytes.</summary>
internal sealed class Reply(byte[] raw, int length)
{
    public int Length { get; } = length;

    public Wire.FuseOutHeader Header => MemoryMarshal.Read<Wire.FuseOutHeader>(raw);

    public int Error => Header.Error;

    public ReadOnlySpan<byte> Body => raw.AsSpan(16, Length - 16);

    public T As<T>()
        where T : unmanaged => MemoryMarshal.Read<T>(Body);
}
