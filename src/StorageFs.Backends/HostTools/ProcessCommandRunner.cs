using System.ComponentModel;
using System.Diagnostics;
using Serilog;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// The production <see cref="ICommandRunner"/>: <see cref="Process"/> without a shell, LC_ALL=C
/// so tools print parseable English, LVM's fd-leak warnings silenced; stdout and stderr are read
/// concurrently so neither pipe can fill and stall the child. A cancelled run kills the child
/// (only it and its own descendants, by PID); so does a run past its limit
/// (<see cref="ToolTimeouts"/>), which then fails with ETIMEDOUT.
/// </summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    private readonly ILogger _log;

    /// <summary>A runner that logs each command at Debug level.</summary>
    public ProcessCommandRunner(ILogger? logger = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<ProcessCommandRunner>();
    }

    /// <summary>One shared instance without logging.</summary>
    public static ProcessCommandRunner Default { get; } = new();

    /// <inheritdoc/>
    public CommandResult Run(IReadOnlyList<string> argv, string? stdin = null, CancellationToken cancellation = default,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0)
        {
            throw new ArgumentException("empty command line", nameof(argv));
        }
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["LVM_SUPPRESS_FD_WARNINGS"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        if (_log.IsEnabled(Serilog.Events.LogEventLevel.Debug))
        {
            _log.Debug("Running {Command}", CommandRunnerExtensions.CommandLineText(argv));
        }
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw StorageErrors.Internal($"cannot run '{argv[0]}'");
        }
        catch (Win32Exception e)
        {
            throw StorageErrors.Internal($"Cannot find '{argv[0]}' in path: {e.Message}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var registration = cancellation.Register(() => Kill(process));
            var limit = ToolTimeouts.For(argv);
            bool timedOut = false;
            using var timer = new Timer(_ =>
            {
                timedOut = true;
                Kill(process);
            }, null, limit, Timeout.InfiniteTimeSpan);
            if (stdin is not null)
            {
                try
                {
                    process.StandardInput.Write(stdin);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The child exited without reading its input; its status tells the rest.
                }
            }
            process.WaitForExit();
            timer.Dispose();
            cancellation.ThrowIfCancellationRequested();
            if (timedOut && process.ExitCode != 0)
            {
                _log.Warning("{Command} timed out after {Seconds} s", CommandRunnerExtensions.CommandLineText(argv), limit.TotalSeconds);
                throw ToolTimeouts.TimedOut(argv, limit);
            }
            return new CommandResult([.. argv], process.ExitCode,
                stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    /// <inheritdoc/>
    public void LogFailure(CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _log.Warning("{Command} exited with status {ExitCode}: {Stderr} {Stdout}", CommandRunnerExtensions.CommandLineText(result.Argv),
            result.ExitCode, result.Stderr.Trim(), result.Stdout.Trim());
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
