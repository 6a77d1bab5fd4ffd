using System.Runtime.InteropServices;
using Serilog;
using Serilog.Events;
using StorageFs.Interop;

namespace StorageFs.Logging;

/// <summary>
/// The only place sinks are configured. Under systemd, when JOURNAL_STREAM names our stderr
/// (systemd.exec(5): stderr is already the journal), events go to journald's native socket
/// only, with their fields — never twice. Otherwise to stderr, and also to journald when its
/// socket exists.
/// </summary>
internal static class LogSetup
{
    public static ILogger Create(bool verbose, string? journalSocket = JournaldSink.DefaultSocket) =>
        Create(verbose ? LogEventLevel.Verbose : LogEventLevel.Information, journalSocket);

    public static ILogger Create(LogEventLevel level, string? journalSocket = JournaldSink.DefaultSocket)
    {
        var config = new LoggerConfiguration().MinimumLevel.Is(level);
        bool journal = journalSocket is not null && JournaldSink.Available(journalSocket);
        if (!(journal && StderrIsTheJournal()))
        {
            config = config.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}");
        }
        if (journal)
            config = config.WriteTo.Sink(new JournaldSink("storagefs", journalSocket!));
        return config.CreateLogger();
    }

    /// <summary>JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected to the journal;
    /// it applies when it is our fd 2's.</summary>
    internal static bool StderrIsTheJournal()
    {
        string? stream = Environment.GetEnvironmentVariable("JOURNAL_STREAM");
        if (string.IsNullOrEmpty(stream) || stream.Split(':') is not [var dev, var ino] ||
            !ulong.TryParse(dev, out ulong device) || !ulong.TryParse(ino, out ulong inode))
            return false;
        // struct stat on 64-bit Linux (x86_64 and arm64): st_dev at 0, st_ino at 8.
        var buffer = new byte[256];
        if (Libc.Fstat(2, buffer) != 0)
            return false;
        return BitConverter.ToUInt64(buffer, 0) == device && BitConverter.ToUInt64(buffer, 8) == inode;
    }
}
