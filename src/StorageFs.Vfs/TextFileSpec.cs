namespace StorageFs.Vfs;

/// <summary>
/// Everything a kind of <see cref="TextFile"/> shares across the objects it shows: its mode,
/// what reading renders and what writing applies (both given the file's subject), the write
/// kind, the error log, the usage a fresh read of a command file shows, and how its path is
/// named in error records. One spec serves every volume's <c>info</c>, so 100,000 volumes cost
/// 100,000 small nodes, not 100,000 sets of closures and path strings.
/// </summary>
public sealed class TextFileSpec(
    uint mode,
    Func<RequestContext, object?, string>? render,
    Func<RequestContext, object?, string, string>? apply,
    WriteKind kind,
    ErrorLog? errors,
    string? usage,
    Func<object?, string> pathOf)
{
    public uint Mode { get; } = mode;

    public Func<RequestContext, object?, string>? Render { get; } = render;

    /// <summary>Applies a command or document; returns the reply; throws <see cref="StorageFs.Core.StorageException"/>.</summary>
    public Func<RequestContext, object?, string, string>? Apply { get; } = apply;

    public WriteKind Kind { get; } = kind;

    public ErrorLog? Errors { get; } = errors;

    public string? Usage { get; } = usage;

    /// <summary>Only root may write unless this says otherwise (the daemon re-checks the caller's uid).</summary>
    public Func<uint, bool> MayWrite { get; private init; } = static uid => uid == 0;

    /// <summary>Why a uid may not open the file for reading (the daemon's own check, beside the
    /// kernel's on the mode), or null when it may; null rule: everyone the mode lets in.</summary>
    public Func<uint, string?>? ReadRefusal { get; private init; }

    /// <summary>This spec with another write rule (for one file; the spec itself is shared).</summary>
    public TextFileSpec WithMayWrite(Func<uint, bool> mayWrite) =>
        new(Mode, Render, Apply, Kind, Errors, Usage, PathOf) { MayWrite = mayWrite, ReadRefusal = ReadRefusal };

    /// <summary>This spec with a read rule (for one file; the spec itself is shared).</summary>
    public TextFileSpec WithReadRefusal(Func<uint, string?> refusal) =>
        new(Mode, Render, Apply, Kind, Errors, Usage, PathOf) { MayWrite = MayWrite, ReadRefusal = refusal };

    /// <summary>The file's path below the mount, from its subject (only built for error records).</summary>
    public Func<object?, string> PathOf { get; } = pathOf;
}
