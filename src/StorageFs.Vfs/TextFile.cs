namespace StorageFs.Vfs;

/// <summary>
/// A <see cref="TextNode"/> with its spec and subject as fields: a file of its own (<c>info</c>
/// of a pool, <c>define</c>…) or of a kind many objects share.
/// </summary>
public sealed class TextFile : TextNode
{
    private readonly TextFileSpec _spec;
    private readonly object? _subject;

    public TextFile(string path, uint mode, Func<RequestContext, string>? render = null,
        Func<RequestContext, string, string>? apply = null, WriteKind kind = WriteKind.Command, ErrorLog? errors = null,
        string? usage = null)
        : this(new TextFileSpec(mode,
            render is null ? null : (ctx, _) => render(ctx),
            apply is null ? null : (ctx, _, input) => apply(ctx, input),
            kind, errors, usage, _ => path), null)
    {
    }

    /// <summary>A file of a kind many objects share (a secret's <c>value</c>): the spec's
    /// delegates get <paramref name="subject"/>, so each file costs one small object.</summary>
    public TextFile(TextFileSpec spec, object? subject)
    {
        _spec = spec;
        _subject = subject;
    }

    protected override TextFileSpec Spec => _spec;

    protected override object? Subject => _subject;

    /// <summary>Only root may write unless this says otherwise (the daemon re-checks the caller's uid).</summary>
    public new Func<uint, bool> MayWrite { get => _spec.MayWrite; init => _spec = _spec.WithMayWrite(value); }

    /// <summary>Why a uid may not read this file (null: it may); checked at open, for root too.</summary>
    public new Func<uint, string?>? ReadRefusal { get => _spec.ReadRefusal; init => _spec = _spec.WithReadRefusal(value!); }
}
