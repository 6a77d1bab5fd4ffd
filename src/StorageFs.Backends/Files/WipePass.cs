namespace StorageFs.Backends.Files;

/// <summary>One pass of a wipe: a repeating byte pattern, random bytes, or a read-back check
/// that the previous pass's pattern is on disk.</summary>
internal sealed record WipePass(WipePassKind Kind, byte[] Pattern)
{
    public static WipePass Random { get; } = new(WipePassKind.Random, []);

    public static WipePass Verify { get; } = new(WipePassKind.Verify, []);

    public static WipePass Of(params byte[] pattern) => new(WipePassKind.Pattern, pattern);
}
