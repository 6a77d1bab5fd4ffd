using System.Net.Sockets;
using System.Text;

namespace StorageFs.Daemon;

/// <summary>
/// systemd's readiness protocol (sd_notify(3)): one datagram such as <c>READY=1</c> or
/// <c>STOPPING=1</c> to the socket named by <c>$NOTIFY_SOCKET</c> (a leading '@' means the
/// abstract namespace). Without the variable (not started by systemd with Type=notify) it does
/// nothing.
/// </summary>
public static class SdNotify
{
    public static bool Send(string state, string? socketPath = null)
    {
        socketPath ??= Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(socketPath))
            return false;
        if (socketPath[0] == '@')
            socketPath = "\0" + socketPath[1..];
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            s.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
