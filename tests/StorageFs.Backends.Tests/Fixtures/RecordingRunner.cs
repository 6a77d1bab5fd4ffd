using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// An <see cref="ICommandRunner"/> that records every argv and answers from a script (first
/// matching predicate wins; default: exit 0, no output). For command lines of tools that cannot
/// run on this machine (iscsiadm, NFS/CIFS mounts, multipath).
/// </summary>
internal sealed class RecordingRunner : ICommandRunner
{
    private readonly List<(Func<IReadOnlyList<string>, bool> When, CommandResultTemplate Then)> _script = [];
    private readonly Lock _gate = new();

    public List<IReadOnlyList<string>> Calls { get; } = [];

    public RecordingRunner On(Func<IReadOnlyList<string>, bool> when, int exit = 0, string stdout = "", string stderr = "")
    {
        _script.Add((when, new CommandResultTemplate(exit, stdout, stderr)));
        return this;
    }

    public RecordingRunner On(string program, int exit = 0, string stdout = "", string stderr = "") =>
        On(a => a[0] == program, exit, stdout, stderr);

    public List<IReadOnlyDictionary<string, string>?> Environments { get; } = [];

    public CommandResult Run(IReadOnlyList<string> argv, string? stdin = null, CancellationToken cancellation = default,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        lock (_gate)
        {
            Calls.Add([.. argv]);
            Environments.Add(environment);
        }
        foreach (var (when, then) in _script)
        {
            if (when(argv))
            {
                return new CommandResult(argv, then.Exit, then.Stdout, then.Stderr);
            }
        }
        return new CommandResult(argv, 0, "", "");
    }

    private sealed record CommandResultTemplate(int Exit, string Stdout, string Stderr);
}
