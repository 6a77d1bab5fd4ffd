namespace StorageFs.Backends.HostTools;

/// <summary>What one finished tool run produced.</summary>
/// <param name="Argv">The command line that ran (argv[0] as given, not resolved).</param>
/// <param name="ExitCode">Its exit status.</param>
/// <param name="Stdout">Everything it wrote to standard output.</param>
/// <param name="Stderr">Everything it wrote to standard error.</param>
public sealed record CommandResult(IReadOnlyList<string> Argv, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>True when the tool exited 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
