using System.Diagnostics;
using System.Text.Json;
using Serilog;
using StorageFs.Logging;

namespace StorageFs.Tests;

/// <summary>
/// The journald sink against a real systemd-journald, run in its own mount namespace (tmpfs on
/// /run and /var/log there), so no test touches the host's /run/systemd/journal: the sink
/// reaches its socket through /proc/PID/root, journalctl runs inside with nsenter.
/// </summary>
public sealed class JournaldSinkTests
{
    private const string Daemon = "/lib/systemd/systemd-journald";

    private sealed class PrivateJournald : IDisposable
    {
        private readonly Process _process;

        public PrivateJournald()
        {
            Assert.True(File.Exists(Daemon), $"{Daemon} is missing (package systemd)");
            _process = Process.Start(new ProcessStartInfo("unshare",
                ["-m", "--propagation", "private", "--", "sh", "-c",
                 "mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/log && mkdir -p /run/systemd/journal && exec " + Daemon])
            { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
            var clock = Stopwatch.StartNew();
            while (!File.Exists(Socket) && clock.Elapsed < TimeSpan.FromSeconds(20) && !_process.HasExited)
                Thread.Sleep(20);
            Assert.True(File.Exists(Socket), "systemd-journald did not create its socket in its namespace");
        }

        public int Pid => _process.Id;

        public string Socket => $"/proc/{_process.Id}/root/run/systemd/journal/socket";

        public List<JsonElement> Read(string tag, int atLeast) => Read(tag, entries => entries.Count >= atLeast);

        public List<JsonElement> Read(string tag, Func<List<JsonElement>, bool> enough)
        {
            List<JsonElement> entries = [];
            var clock = Stopwatch.StartNew();
            while (!enough(entries) && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(100);
                var psi = new ProcessStartInfo("nsenter", ["-t", Pid.ToString(), "-m", "--", "journalctl", "-t", tag, "-o", "json", "--all", "--no-pager"])
                { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                using var p = Process.Start(psi)!;
                string output = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                entries = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            }
            return entries;
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit(10_000);
            _process.Dispose();
        }
    }

    [Fact]
    public void Events_ReachTheJournal_AsPlainMessages_WithPriorityIdentifierAndNamedFields()
    {
        using var journald = new PrivateJournald();
        string tag = "sfs-test-" + Guid.NewGuid().ToString("N")[..8];
        using (var sink = new JournaldSink(tag, journald.Socket))
        {
            var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
            log.Warning("Pool {Pool} is {State}", "images", "degraded");
            log.Error(new InvalidOperationException("boom"), "Job {Job} {Operation} of {Volume} failed: {Errno}", 7, "wipe", "v1.raw", "EIO");
        }

        var entries = journald.Read(tag, 2);

        Assert.Equal(2, entries.Count);
        var first = entries[0];
        Assert.Equal("Pool images is degraded", first.GetProperty("MESSAGE").GetString());
        Assert.Equal("4", first.GetProperty("PRIORITY").GetString());
        Assert.Equal(tag, first.GetProperty("SYSLOG_IDENTIFIER").GetString());
        Assert.Equal("images", first.GetProperty("POOL").GetString());
        Assert.Equal("degraded", first.GetProperty("STATE").GetString());
        var second = entries[1];
        Assert.Equal("Job 7 wipe of v1.raw failed: EIO", second.GetProperty("MESSAGE").GetString());
        Assert.Equal("3", second.GetProperty("PRIORITY").GetString());
        Assert.Equal(("7", "wipe", "v1.raw", "EIO"), (second.GetProperty("JOB").GetString(), second.GetProperty("OPERATION").GetString(),
            second.GetProperty("VOLUME").GetString(), second.GetProperty("ERRNO").GetString()));
        Assert.Contains("boom", second.GetProperty("EXCEPTION").GetString());
    }

    [Fact]
    public void ALargeEntry_ArrivesWhole_ThroughASealedMemfd()
    {
        using var journald = new PrivateJournald();
        string tag = "sfs-test-" + Guid.NewGuid().ToString("N")[..8];
        string big = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"{i:D7}|"));
        using (var sink = new JournaldSink(tag, journald.Socket))
        {
            var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
            log.Information("Dump {Dump}", big);
        }

        var entries = journald.Read(tag, 1);

        Assert.Single(entries);
        Assert.Equal(big, entries[0].GetProperty("DUMP").GetString());
        Assert.Equal("Dump " + big, entries[0].GetProperty("MESSAGE").GetString());
    }

    [Fact]
    public void TheDaemon_UnderJournalStream_LogsEachMessageOnce_ToTheJournalOnly()
    {
        using var journald = new PrivateJournald();
        string root = Directory.CreateTempSubdirectory("storagefs-journal-").FullName;
        try
        {
            string mnt = Directory.CreateDirectory(Path.Combine(root, "mnt")).FullName;
            File.WriteAllText(Path.Combine(root, "c.json"), $$"""{ "runtimeDir": "{{root}}/run", "defaultPools": false }""");
            string dll = Path.Combine(AppContext.BaseDirectory, "storagefs.dll");
            // Inside journald's namespace, stderr a file named by JOURNAL_STREAM, as systemd sets it.
            using var daemon = Process.Start(new ProcessStartInfo("nsenter", ["-t", journald.Pid.ToString(), "-m", "--", "sh", "-c",
                $"exec 2>'{root}/stderr' && export JOURNAL_STREAM=$(stat -c %d:%i '{root}/stderr') && exec dotnet '{dll}' mount '{mnt}' --state-dir '{root}/state' --config '{root}/c.json'"])
            { UseShellExecute = false })!;
            try
            {
                var entries = journald.Read("storagefs", es => es.Any(e => e.GetProperty("MESSAGE").GetString()!.StartsWith("StorageFs mounted on ", StringComparison.Ordinal)));
                Assert.Contains(entries, e => e.GetProperty("MESSAGE").GetString()!.StartsWith($"StorageFs mounted on {mnt} (state {root}/state, passthrough ", StringComparison.Ordinal));
                Assert.Single(entries, e => e.GetProperty("MESSAGE").GetString()!.StartsWith("StorageFs mounted on ", StringComparison.Ordinal));
                Assert.DoesNotContain("[INF]", File.ReadAllText(Path.Combine(root, "stderr")), StringComparison.Ordinal);
            }
            finally
            {
                Process.Start("kill", ["-TERM", daemon.Id.ToString()])!.WaitForExit();
                if (!daemon.WaitForExit(20_000))
                    daemon.Kill();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("Pool", "POOL")]
    [InlineData("sourceContext", "SOURCECONTEXT")]
    [InlineData("a.b-c", "A_B_C")]
    [InlineData("_x", "X")]
    [InlineData("9lives", "F9LIVES")]
    [InlineData("Message", "SFS_MESSAGE")]
    public void PropertyNames_BecomeValidJournalFieldNames(string property, string field) =>
        Assert.Equal(field, JournaldSink.FieldName(property));

    [Fact]
    public void ValuesWithNewlines_UseTheBinaryFieldForm()
    {
        using var ms = new MemoryStream();
        JournaldSink.Field(ms, "MESSAGE", "a\nb");
        byte[] expected = [.. "MESSAGE\n"u8, 3, 0, 0, 0, 0, 0, 0, 0, .. "a\nb\n"u8];
        Assert.Equal(expected, ms.ToArray());
    }
}
