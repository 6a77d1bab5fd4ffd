using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using StorageFs.Core;

namespace StorageFs.Backends.QemuImg;

/// <summary>
/// Runs an external tool from an argument list (execve, no shell: no word splitting,
/// no quoting problems), with LC_ALL=C so messages are not translated, capturing stdout
/// and stderr. A non-zero exit becomes libvirt's virCommandRun error
/// ("Child process (argv) unexpected exit status N: stderr", src/util/vircommand.c);
/// cancellation kills the process and reports OperationAborted.
/// </summary>
internal static class ToolProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, string CommandLine);

    public static async Task<Result> RunAsync(
        string tool,
        IReadOnlyList<string> arguments,
        Action<string>? onStdout,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C";
        string commandLine = string.Join(' ', arguments.Prepend(tool));
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new StorageException(ErrorCode.InternalError, $"unable to find {tool}: {e.Message}", e.NativeErrorCode, e);
        }

        using (process)
        {
            process.StandardInput.Close();
            Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            Task<string> stdout = ReadStdout(process.StandardOutput, onStdout);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException e)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                throw new StorageException(ErrorCode.OperationAborted, $"operation aborted: {commandLine} was cancelled", null, e);
            }

            return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), commandLine);
        }
    }

    /// <summary>Throws libvirt's child-process error unless the exit code is 0.</summary>
    public static Result EnsureSuccess(this Result result)
    {
        if (result.ExitCode != 0)
        {
            throw Failure(result);
        }

        return result;
    }

    public static StorageException Failure(Result result) =>
        new(
            ErrorCode.InternalError,
            $"Child process ({result.CommandLine}) unexpected exit status {result.ExitCode}: {result.Stderr.Trim()}");

    private static async Task<string> ReadStdout(StreamReader reader, Action<string>? onChunk)
    {
        var all = new StringBuilder();
        char[] buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            all.Append(buffer, 0, n);
            onChunk?.Invoke(new string(buffer, 0, n));
        }

        return all.ToString();
    }
}
