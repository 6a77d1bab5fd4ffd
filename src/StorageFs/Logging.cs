using Serilog;
using Serilog.Events;

namespace StorageFs;

/// <summary>The only place sinks are configured (STYLE.md): console on stderr.</summary>
internal static class Logging
{
    public static ILogger Create(bool verbose) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Verbose : LogEventLevel.Information)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
}
