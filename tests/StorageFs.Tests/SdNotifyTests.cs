using System.Net.Sockets;
using System.Text;
using StorageFs.Daemon;

namespace StorageFs.Tests;

public sealed class SdNotifyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Send_DeliversTheStateToTheNotifySocket(bool abstractName)
    {
        string name = abstractName ? "@sfs-notify-" + Guid.NewGuid().ToString("N") : Path.Combine(Path.GetTempPath(), "sfs-notify-" + Guid.NewGuid().ToString("N"));
        string bindName = abstractName ? "\0" + name[1..] : name;
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(bindName));
        try
        {
            Assert.True(SdNotify.Send("READY=1\nSTATUS=mounted", name));
            var buf = new byte[256];
            listener.ReceiveTimeout = 5000;
            int n = listener.Receive(buf);
            Assert.Equal("READY=1\nSTATUS=mounted", Encoding.UTF8.GetString(buf, 0, n));
        }
        finally
        {
            if (!abstractName)
                File.Delete(name);
        }
    }

    [Fact]
    public void Send_WithoutANotifySocket_DoesNothing() => Assert.False(SdNotify.Send("READY=1", ""));
}
