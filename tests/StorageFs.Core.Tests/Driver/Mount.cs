using System.Diagnostics;

namespace StorageFs.Core.Tests.Driver;

/// <summary>mount(8)/umount(8) for tests that need a bind mount (root only).</summary>
internal static class Mount
{
    public static bool Bind(string source, string target, out string error) =>
        Run("mount", ["--bind", source, target], out error);

    public static void Unmount(string target) => Run("umount", [target], out _);

    private static bool Run(string tool, string[] args, out string error)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            using var p = Process.Start(psi)!;
            error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error = e.Message;
            return false;
        }
    }
}
