using System.Diagnostics;
using System.Text.Json;
using Serilog;
using StorageFs.Logging;

namespace StorageFs.Tests;

/// <summary>
/// The journald sink against a real systemd-journald, started here in the foreground (this
/// machine has no systemd as PID 1) and stopped by PID afterwards.
/// </summary>
public sealed class JournaldSinkTests
{
    private const string Daemon = "/lib/systemd/systemd-journald";

    [Fact]
    public void Events_ReachTheJournal_WithMessagePriorityIdentifierAndProperties()
    {
        Assert.True(File.Exists(Daemon), $"{Daemon} is missing (package systemd)");
        bool ours = !File.Exists(JournaldSink.DefaultSocket);
        Process? journald = null;
        try
        {
            if (ours)
            {
                Directory.CreateDirectory("/run/systemd/journal");
                journald = Process.Start(new ProcessStartInfo(Daemon) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (!File.Exists(JournaldSink.DefaultSocket) && DateTime.UtcNow < deadline)
                    Thread.Sleep(20);
                Assert.True(File.Exists(JournaldSink.DefaultSocket), "systemd-journald did not create its socket");
            }

            string tag = "sfs-test-" + Guid.NewGuid().ToString("N")[..8];
            using (var sink = new JournaldSink(tag))
            {
                var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
                log.Warning("Pool {Pool} is {State}", "images", "degraded");
                log.Error(new InvalidOperationException("boom"), "Two\nlines");
            }

            List<JsonElement> entries = [];
            var until = DateTime.UtcNow.AddSeconds(10);
            while (entries.Count < 2 && DateTime.UtcNow < until)
            {
                Thread.Sleep(100);
                entries = ReadJournal(tag);
            }
            Assert.Equal(2, entries.Count);
            var first = entries[0];
            Assert.Equal("Pool \"images\" is \"degraded\"", first.GetProperty("MESSAGE").GetString());
            Assert.Equal("4", first.GetProperty("PRIORITY").GetString());
            Assert.Equal("images", first.GetProperty("POOL").GetString());
            Assert.Equal("degraded", first.GetProperty("STATE").GetString());
            var second = entries[1];
            Assert.Equal("3", second.GetProperty("PRIORITY").GetString());
            Assert.Contains("boom", second.GetProperty("EXCEPTION").GetString());
        }
        finally
        {
            if (journald is not null)
            {
                journald.Kill();
                journald.WaitForExit(10_000);
                journald.Dispose();
                Directory.Delete("/run/systemd/journal", recursive: true);
                if (Directory.Exists("/run/log/journal"))
                    Directory.Delete("/run/log/journal", recursive: true);
            }
        }
    }

    private static List<JsonElement> ReadJournal(string tag)
    {
        var psi = new ProcessStartInfo("journalctl", ["-t", tag, "-o", "json", "--no-pager"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
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
