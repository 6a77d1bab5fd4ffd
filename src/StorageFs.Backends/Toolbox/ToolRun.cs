using System.Buffers;
using System.Diagnostics;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Toolbox;

/// <summary>
/// A compressor or decompressor running as a child process: bytes go in through
/// <see cref="Input"/>, what it prints is handed to a sink on a reader task as it comes, its
/// diagnostics are kept for the error message. Cancellation kills it.
/// </summary>
internal sealed class ToolRun : IDisposable
{
    private const int ReadBytes = 1 << 20;

    private readonly Process _process;
    private readonly Task _output;
    private readonly Task<string> _errors;
    private readonly CancellationTokenRegistration _cancel;
    private readonly string _what;
    private readonly CancellationToken _token;

    private ToolRun(Process process, Task output, Task<string> errors, CancellationTokenRegistration cancel, string what, CancellationToken token)
    {
        _token = token;
        _process = process;
        _output = output;
        _errors = errors;
        _cancel = cancel;
        _what = what;
    }

    /// <summary>Its standard input.</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>Starts <paramref name="tool"/> with <paramref name="arguments"/>; every chunk it
    /// prints goes to <paramref name="sink"/> (with the sink's running offset), on another thread.</summary>
    public static ToolRun Start(CompressorTool tool, string[] arguments, Action<ReadOnlyMemory<byte>, long> sink, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(HostTools.HostSupport.Find(tool.Program)
            ?? throw StorageErrors.NoSupport($"'{tool.Program}' is not installed (Debian package {tool.Program})"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start) ?? throw StorageErrors.Internal($"cannot start '{tool.Program}'");
        var stdout = process.StandardOutput.BaseStream;
        var output = Task.Factory.StartNew(() =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(ReadBytes);
            try
            {
                long at = 0;
                int n;
                while ((n = stdout.Read(buffer, 0, ReadBytes)) > 0)
                {
                    sink(buffer.AsMemory(0, n), at);
                    at += n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var registration = cancellation.Register(() => Kill(process));
        return new ToolRun(process, output, errors, registration, $"{tool.Program} {string.Join(' ', arguments)}", cancellation);
    }

    /// <summary>Ends the input, waits for every output byte to reach the sink and for the tool
    /// to exit; a tool that failed (or a sink that threw) fails here.</summary>
    public void Finish()
    {
        try
        {
            Input.Dispose();
        }
        catch (IOException)
        {
            // The tool exited early (EPIPE): its status below says why.
        }
        try
        {
            _output.Wait();
        }
        catch (AggregateException e) when (e.InnerException is { } inner)
        {
            Kill(_process);
            _token.ThrowIfCancellationRequested();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
        }
        _process.WaitForExit();
        // Killed by a cancellation: say so, not "exit 137".
        _token.ThrowIfCancellationRequested();
        if (_process.ExitCode != 0)
        {
            string err = _errors.Result.Trim();
            throw StorageErrors.OperationFailed($"'{_what}' failed (exit {_process.ExitCode}){(err.Length > 0 ? ": " + err : "")}");
        }
    }

    /// <summary>Kills the tool if it still runs and releases it.</summary>
    public void Dispose()
    {
        _cancel.Dispose();
        Kill(_process);
        try
        {
            _output.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Already reported by Finish, or the run is being abandoned.
        }
        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
