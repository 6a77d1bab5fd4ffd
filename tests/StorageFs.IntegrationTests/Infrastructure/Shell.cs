namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>Runs scripts with <c>bash -c</c>, capturing output, and kills them when they overrun.</summary>
public static class Shell
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static ShellResult Run(string script, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.Environment["LC_ALL"] = "C.UTF-8";
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
                psi.Environment[name] = value;
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start bash");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        TimeSpan limit = timeout ?? DefaultTimeout;
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
            Assert.Fail($"`{script}` did not finish within {limit.TotalSeconds} s and was killed\n--- stdout ---\n{Drain(stdout)}\n--- stderr ---\n{Drain(stderr)}");
        }
        p.WaitForExit(); // flushes the asynchronous readers
        return new ShellResult(script, p.ExitCode, Drain(stdout), Drain(stderr));
    }

    /// <summary>The text read so far; a background child holding the pipe open must not hang us.</summary>
    private static string Drain(Task<string> reader) =>
        reader.Wait(TimeSpan.FromSeconds(5)) ? reader.Result : "(output still open after 5 s)";
}
