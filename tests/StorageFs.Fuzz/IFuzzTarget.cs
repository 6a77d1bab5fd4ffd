namespace StorageFs.Fuzz;

/// <summary>
/// One fuzz target: runs an input through code that must never throw anything but its
/// documented errors. Any other exception (or a <see cref="Finding"/>) is a crash.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name afl-fuzz runs it by (<c>storagefs-fuzz afl NAME</c>).</summary>
    string Name { get; }

    void Run(byte[] input);
}
