using System.Diagnostics;

namespace StorageFs.Tests;

/// <summary>
/// An external tool that never finishes fails its one operation with ETIMEDOUT and a message,
/// and the tree keeps answering meanwhile: the daemon runs with a qemu-img on PATH that sleeps
/// forever and STORAGEFS_TOOL_TIMEOUT=3 (storagefs(8), ENVIRONMENT).
/// </summary>
public sealed class ToolTimeoutTests
{
    [Fact]
    public void AHungQemuImg_FailsTheVolumeCreateWithETIMEDOUT_KillsTheTool_AndTheTreeStaysResponsive()
    {
        string bin = Directory.CreateTempSubdirectory("storagefs-hung-").FullName;
        string marker = Random.Shared.Next(2_000_000, 9_000_000).ToString();
        try
        {
            File.WriteAllText(Path.Combine(bin, "qemu-img"), $"#!/bin/sh\nexec sleep {marker}\n");
            File.SetUnixFileMode(Path.Combine(bin, "qemu-img"), (UnixFileMode)0b111_101_101);
            using var daemon = new MountedDaemon(
                new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"), ["STORAGEFS_TOOL_TIMEOUT"] = "3" },
                extraConfig: $$""", "allowedDirectories": ["{{bin}}"]""");
            string m = daemon.MountPoint;
            Assert.Equal(0, Sh($"echo \"<pool type='dir'><name>p</name><target><path>{bin}/p</path></target></pool>\" > {m}/define && echo build > {m}/pools/p/ctl && echo start > {m}/pools/p/ctl").Code);

            var clock = Stopwatch.StartNew();
            var create = Task.Run(() => Sh($"echo \"<volume><name>v.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>\" > {m}/pools/p/create"));
            Thread.Sleep(500);
            var ls = Sh($"ls {m}/pools && cat {m}/pools/p/state");
            Assert.False(create.IsCompleted, "the create did not wait for the hung tool");
            Assert.Equal((0, "p\nrunning\n"), ls);

            Assert.True(create.Wait(TimeSpan.FromSeconds(60)), "the create still hangs on the tool after 60 s");
            var (code, output) = create.Result;
            Assert.NotEqual(0, code);
            Assert.Contains("Connection timed out", output, StringComparison.Ordinal);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(60));
            string errors = File.ReadAllText(Path.Combine(m, "errors"));
            Assert.Contains("errno=ETIMEDOUT", errors, StringComparison.Ordinal);
            Assert.Contains("'qemu-img' did not finish within 3 s and was stopped", errors, StringComparison.Ordinal);
            Assert.NotEqual(0, Sh($"pgrep -f '^sleep {marker}$'").Code);
            Assert.False(File.Exists($"{bin}/p/v.qcow2"), "the failed create left its volume behind");
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    private static (int Code, string Output) Sh(string script)
    {
        using var p = Process.Start(new ProcessStartInfo("bash", ["-c", "{ " + script + "\n} 2>&1"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
