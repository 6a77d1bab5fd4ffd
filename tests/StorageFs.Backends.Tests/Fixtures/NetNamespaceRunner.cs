using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// Runs a backend's commands in another network namespace (<c>nsenter --net=</c>), so a pool's
/// network client talks to a daemon that lives there; <see cref="NetNamespace"/> is set once the
/// daemon is up. Everything else about the command (mount namespace, credentials) is the test's.
/// </summary>
internal sealed class NetNamespaceRunner : ICommandRunner
{
    private readonly ProcessCommandRunner _inner = new();

    public string? NetNamespace { get; set; }

    public CommandResult Run(IReadOnlyList<string> argv, string? stdin = null, CancellationToken cancellation = default,
        IReadOnlyDictionary<string, string>? environment = null) =>
        _inner.Run(NetNamespace is { } ns ? ["nsenter", "--net=" + ns, "--", .. argv] : argv, stdin, cancellation, environment);
}
