using System.Runtime.InteropServices;
using Serilog;
using StorageFs.Fuse.Session;

namespace StorageFs.Daemon;

/// <summary>What <c>mount</c> and <c>demo</c> do first: raise RLIMIT_NOFILE's soft limit to the hard one, and say so.</summary>
internal static class DescriptorSetup
{
    /// <summary>Raises the soft descriptor limit to the hard limit, logs both, and returns the soft limit now in force.</summary>
    public static ulong Raise(ILogger log)
    {
        var (before, after, hard) = DescriptorLimit.RaiseToHard(out int error);
        if (error != 0)
            log.Warning("Raising the descriptor limit (RLIMIT_NOFILE) from {Before} to {Hard} failed: {Error}", before, hard, Marshal.GetPInvokeErrorMessage(error));
        else
            log.Information("Descriptor limit (RLIMIT_NOFILE): soft {Before}, raised to {After}; hard {Hard}", before, after, hard);
        return after;
    }
}
