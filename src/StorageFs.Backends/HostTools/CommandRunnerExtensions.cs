using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.HostTools;

/// <summary>"Run and fail on a non-zero exit" over <see cref="ICommandRunner"/> (libvirt's
/// <c>virCommandRun</c> with a status check), with our own wording: a tool's output is for the
/// log, not for the user's message (docs/ARCHITECTURE.md, "External tools").</summary>
public static class CommandRunnerExtensions
{
    /// <summary>Runs <paramref name="argv"/> and returns its result, or throws
    /// <see cref="Failure"/>'s error.</summary>
    public static CommandResult RunChecked(this ICommandRunner runner, IReadOnlyList<string> argv,
        string? stdin = null, CancellationToken cancellation = default, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var result = runner.Run(argv, stdin, cancellation, environment);
        return result.Succeeded ? result : throw runner.Failure(result);
    }

    /// <summary>The error for a tool that exited non-zero, in one sentence naming the tool and
    /// its status ("lvcreate failed (exit status 5); details in the log"); the runner logs the
    /// command line and everything the tool wrote (<see cref="ICommandRunner.LogFailure"/>).</summary>
    public static StorageException Failure(this ICommandRunner runner, CommandResult result, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(result);
        runner.LogFailure(result);
        return StorageErrors.Internal(FailureSentence(result.Argv, result.ExitCode, what));
    }

    /// <summary>"TOOL failed (exit status N); details in the log", after "<paramref name="what"/>: "
    /// when given, with "<c>: </c><paramref name="reason"/>" before the semicolon when the caller
    /// recognised one in the tool's output (a full disk).</summary>
    public static string FailureSentence(IReadOnlyList<string> argv, int exitCode, string? what = null, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(argv);
        string sentence = $"{ToolName(argv)} failed (exit status {exitCode}){(reason is null ? "" : ": " + reason)}; details in the log";
        return what is null ? sentence : $"{what}: {sentence}";
    }

    /// <summary>The program's name without its directory (<c>lvcreate</c>), with the
    /// subcommand for tools that have one (<c>qemu-img convert</c>).</summary>
    public static string ToolName(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0)
        {
            return "a tool";
        }
        string program = Path.GetFileName(argv[0]);
        return program == "qemu-img" && argv.Count > 1 && !argv[1].StartsWith('-') ? $"{program} {argv[1]}" : program;
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
