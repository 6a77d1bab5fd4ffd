namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// The FUSE transport every daemon under test uses: <c>STORAGEFS_URING=on|off|auto</c> adds
/// <c>--uring</c> to its command line (unless the test chose one), so .ci/run can run the same
/// suites over /dev/fuse and over io_uring. Unset: the daemon's default (auto). With "on", the
/// kernel's module parameter is turned on first and restored when the test process exits.
/// </summary>
public static class TestTransport
{
    public const string Variable = "STORAGEFS_URING";

    /// <summary>on, off, auto, or null when the variable is unset.</summary>
    public static string? Mode
    {
        get
        {
            string? v = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrEmpty(v))
                return null;
            if (v is not ("on" or "off" or "auto"))
                Assert.Fail($"{Variable}={v}: expected on, off or auto");
            return v;
        }
    }

    /// <summary>The arguments to add to a daemon started with <paramref name="given"/>.</summary>
    public static string[] ExtraArguments(IEnumerable<string> given)
    {
        if (Mode is not string mode || given.Any(a => a == "--uring" || a.StartsWith("--uring=", StringComparison.Ordinal) || a.Contains("uring=", StringComparison.Ordinal)))
            return [];
        if (mode == "on")
            UringParameter.Set("Y");
        return ["--uring", mode];
    }
}
