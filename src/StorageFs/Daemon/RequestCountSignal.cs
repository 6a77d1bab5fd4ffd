using System.Runtime.InteropServices;
using Serilog;
using StorageFs.Fuse.Session;

namespace StorageFs.Daemon;

/// <summary>
/// SIGUSR1 logs the FUSE requests served so far, by opcode and by transport (the engine logs
/// the same line at exit), and what the connection holds now (parked requests, ring queues): <c>kill -USR1 $(pidof storagefs)</c>, then read the journal.
/// </summary>
internal static class RequestCountSignal
{
    private const int SIGUSR1 = 10; // x86-64 and arm64

    public static IDisposable Register(FuseServer server, ILogger log) =>
        PosixSignalRegistration.Create((PosixSignal)SIGUSR1, c =>
        {
            c.Cancel = true;
            log.Information("FUSE requests served: {Requests}", server.DescribeRequests());
            log.Information("FUSE connection state: {State}", server.DescribeState());
        });
}
