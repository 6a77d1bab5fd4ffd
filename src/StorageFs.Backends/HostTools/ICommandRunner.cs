namespace StorageFs.Backends.HostTools;

/// <summary>
/// Runs external tools (mount, mkfs, parted, LVM, iscsiadm, libiscsi…) the way libvirt's
/// <c>virCommandRun</c> does (src/util/vircommand.c): an argv, never a shell; the caller decides
/// what a non-zero exit means. Tests substitute a recorder to check command lines that cannot
/// run on the test machine. Implementations are thread-safe.
/// </summary>
public interface ICommandRunner
{
    /// <summary>Runs <paramref name="argv"/> (argv[0] looked up in PATH) to completion and
    /// returns its exit status and output; <paramref name="stdin"/>, when given, is written to
    /// its standard input; <paramref name="environment"/> adds variables (secrets go there, never
    /// on the command line, where every user can read them). Cancellation kills the process.</summary>
    /// <exception cref="StorageException">The program cannot be found or started.</exception>
    CommandResult Run(IReadOnlyList<string> argv, string? stdin = null, CancellationToken cancellation = default,
        IReadOnlyDictionary<string, string>? environment = null);

    /// <summary>Logs a run its caller reports as a failure: the command line, the exit status and
    /// what the tool wrote, which the user's message leaves out
    /// (<see cref="CommandRunnerExtensions.Failure"/>). A runner without a log does nothing.</summary>
    void LogFailure(CommandResult result)
    {
    }
}
