namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>What a <c>bash -c</c> script did: its exit code and everything it printed.</summary>
public sealed record ShellResult(string Script, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"`{Script}` exited {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
