using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using StorageFs.Interop;

namespace StorageFs.Daemon;

/// <summary>
/// The form mount.fuse3 uses for <c>mount -t fuse.storagefs SOURCE MOUNTPOINT -o OPTIONS</c> and
/// for fstab lines: <c>storagefs SOURCE MOUNTPOINT -o OPTIONS</c>. As sshfs and bindfs do, it
/// returns once the mount answers, with the daemon left running in the background: it starts
/// <c>storagefs mount MOUNTPOINT -o OPTIONS</c> in a new session, gives it a private
/// NOTIFY_SOCKET and waits for its READY=1 (exit 0) or its exit (its message and exit status).
/// The daemon closes its standard streams before it reports ready (it then logs to journald).
/// </summary>
internal static class FuseHelperForm
{
    /// <summary>Set in the daemon started by this form: detach stdio before READY=1.</summary>
    public const string DetachVariable = "STORAGEFS_DETACH";

    private static readonly HashSet<string> Verbs = ["mount", "unmount", "version", "xml", "demo", "help"];

    public static bool Matches(string[] args) =>
        args.Length >= 2 && !args[0].StartsWith('-') && !Verbs.Contains(args[0]) && !args[1].StartsWith('-');

    public static int Run(string[] args)
    {
        string mountpoint = args[1];
        var options = new List<string>();
        bool foreground = false;
        for (int i = 2; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-o" when i + 1 < args.Length:
                    options.Add(args[++i]);
                    break;
                case var a when a.StartsWith("-o", StringComparison.Ordinal) && a.Length > 2:
                    options.Add(a[2..]);
                    break;
                case "-f":
                    foreground = true;
                    break;
                case "-h" or "--help":
                    Console.Out.Write("usage: storagefs SOURCE MOUNTPOINT [-o OPTIONS] [-f]\n(the form mount.fuse3 runs for mount -t fuse.storagefs and /etc/fstab; see storagefs(8))\n");
                    return Cli.Ok;
                default:
                    return Cli.Fail($"unexpected argument '{args[i]}' (usage: storagefs SOURCE MOUNTPOINT [-o OPTIONS])", Cli.Usage);
            }
        }
        var mountArgs = new List<string> { "mount", mountpoint };
        if (options.Count > 0)
            mountArgs.AddRange(["-o", string.Join(',', options)]);
        if (foreground)
            return Cli.Run([.. mountArgs]);
        return StartInBackground(mountArgs);
    }

    private static int StartInBackground(List<string> mountArgs)
    {
        string self = Environment.ProcessPath ?? "/usr/bin/storagefs";
        string address = $"storagefs-start-{Environment.ProcessId}-{Random.Shared.NextInt64():x}";
        using var ready = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        ready.Bind(new UnixDomainSocketEndPoint("\0" + address));

        // mount(8) runs helpers with a minimal environment: name util-linux's setsid by path.
        string setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists) ?? "setsid";
        var psi = new ProcessStartInfo(setsid)
        {
            UseShellExecute = false,
            WorkingDirectory = "/",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(self);
        // Run through the managed entry point when this is "dotnet storagefs.dll".
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            psi.ArgumentList.Add(typeof(FuseHelperForm).Assembly.Location);
        foreach (var a in mountArgs)
            psi.ArgumentList.Add(a);
        psi.Environment["NOTIFY_SOCKET"] = "@" + address;
        psi.Environment[DetachVariable] = "1";
        psi.Environment.Remove("JOURNAL_STREAM");
        Process child;
        try
        {
            child = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return Cli.Fail($"cannot start the daemon: {e.Message}");
        }
        child.StandardInput.Close();
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEndAsync();
        var buffer = new byte[4096];
        long deadline = Environment.TickCount64 + 300_000;
        while (Environment.TickCount64 < deadline)
        {
            if (ready.Poll(200_000, SelectMode.SelectRead))
            {
                int n = ready.Receive(buffer);
                if (Encoding.UTF8.GetString(buffer, 0, n).Split('\n').Contains("READY=1"))
                    return Cli.Ok;
                continue;
            }
            if (child.HasExited)
            {
                child.WaitForExit();
                Console.Out.Write(stdout.Result);
                Console.Error.Write(stderr.Result);
                return child.ExitCode == 0 ? Cli.Failure : child.ExitCode;
            }
        }
        child.Kill();
        return Cli.Fail($"the daemon did not report ready within 300 s; stopped it (pid {child.Id})");
    }

    /// <summary>In the daemon started by this form: point stdin, stdout and stderr at /dev/null,
    /// so the starter's pipes close and it can return.</summary>
    public static void DetachStdio()
    {
        if (Environment.GetEnvironmentVariable(DetachVariable) != "1")
            return;
        int fd = Libc.Open("/dev/null", Libc.O_RDWR, 0);
        if (fd < 0)
            return;
        Libc.Dup2(fd, 0);
        Libc.Dup2(fd, 1);
        Libc.Dup2(fd, 2);
        if (fd > 2)
            Libc.Close(fd);
    }
}
