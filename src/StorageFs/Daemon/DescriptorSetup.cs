using System.Runtime.InteropServices;
using Serilog;
using StorageFs.Fuse.Session;

namespace StorageFs.Daemon;

/// <summary>What <c>mount</c> and <c>demo</c> do first: raise RLIMIT_NOFILE as far as it goes (fs.nr_open as root), and say so.</summary>
internal static class DescriptorSetup
{
    /// <summary>Raises the descriptor limit, logs it, and returns the soft limit now in force.</summary>
    public static ulong Raise(ILogger log)
    {
        var (before, after, hard) = DescriptorLimit.Raise(out int error);
        if (error != 0)
            log.Warning("Raising the descriptor limit (RLIMIT_NOFILE) from {Before} (hard {Hard}) failed: {Error}", before, hard, Marshal.GetPInvokeErrorMessage(error));
        else
            log.Information("Descriptor limit (RLIMIT_NOFILE): soft {Before}, raised to {After}; hard {Hard}", before, after, hard);
        return after;
    }
}
