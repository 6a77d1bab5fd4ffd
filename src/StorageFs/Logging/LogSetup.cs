using Serilog;
using Serilog.Events;

namespace StorageFs.Logging;

/// <summary>The only place sinks are configured: console on stderr, and journald when its socket exists.</summary>
internal static class LogSetup
{
    public static ILogger Create(bool verbose, string? journalSocket = JournaldSink.DefaultSocket) =>
        Create(verbose ? LogEventLevel.Verbose : LogEventLevel.Information, journalSocket);

    public static ILogger Create(LogEventLevel level, string? journalSocket = JournaldSink.DefaultSocket)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}");
        if (journalSocket is not null && JournaldSink.Available(journalSocket))
            config = config.WriteTo.Sink(new JournaldSink("storagefs", journalSocket));
        return config.CreateLogger();
    }
}
