namespace StorageFs.Core.Backend;

/// <summary>An <see cref="IOperationProgress"/> that ignores every report.</summary>
public sealed class NullProgress : IOperationProgress
{
    /// <summary>The one instance.</summary>
    public static readonly NullProgress Instance = new();

    private NullProgress()
    {
    }

    /// <inheritdoc/>
    public void SetTotal(ulong totalBytes)
    {
    }

    /// <inheritdoc/>
    public void Report(ulong doneBytes)
    {
    }
}
