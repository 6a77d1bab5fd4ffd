namespace StorageFs.Core.Backend;

/// <summary>
/// Where a backend reports the progress of a long operation (wipe, clone, build): the byte
/// total once known, then bytes done. Implementations are thread-safe and cheap to call.
/// </summary>
public interface IOperationProgress
{
    /// <summary>Sets the number of bytes the whole operation will process.</summary>
    void SetTotal(ulong totalBytes);

    /// <summary>Sets the number of bytes processed so far (monotonic, at most the total).</summary>
    void Report(ulong doneBytes);
}
