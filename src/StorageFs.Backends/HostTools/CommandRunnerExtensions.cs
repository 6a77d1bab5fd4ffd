using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.HostTools;

/// <summary>libvirt's "run and fail on a non-zero exit" helpers over <see cref="ICommandRunner"/>.</summary>
public static class CommandRunnerExtensions
{
    /// <summary>Runs <paramref name="argv"/> and returns its result, or throws libvirt's
    /// <c>virCommandRun</c> error ("Child process (ARGV) unexpected exit status N: STDERR").</summary>
    public static CommandResult RunChecked(this ICommandRunner runner, IReadOnlyList<string> argv,
        string? stdin = null, CancellationToken cancellation = default, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var result = runner.Run(argv, stdin, cancellation, environment);
        return result.Succeeded ? result : throw Failure(result);
    }

    /// <summary>The exception libvirt reports for a tool that exited non-zero.</summary>
    public static StorageException Failure(CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var detail = result.Stderr.Trim();
        if (detail.Length == 0)
        {
            detail = result.Stdout.Trim();
        }
        return StorageErrors.Internal(
            $"Child process ({CommandLineText(result.Argv)}) unexpected exit status {result.ExitCode}" +
            (detail.Length > 0 ? ": " + detail : ""));
    }

    /// <summary>An argv as one line, each word quoted only when the shell would need it.</summary>
    /// A value given after <c>--name …password… --value</c> (iscsiadm's CHAP password, which
    /// libvirt passes on the command line) shows as <c>***</c>: this text goes to logs and errors.
    public static string CommandLineText(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        return string.Join(' ', argv.Select((a, i) =>
            i >= 3 && argv[i - 1] == "--value" && argv[i - 3] == "--name" &&
            argv[i - 2].Contains("password", StringComparison.OrdinalIgnoreCase)
                ? "***"
                : HostTools.CommandLineText.Quote(a)));
    }
}
