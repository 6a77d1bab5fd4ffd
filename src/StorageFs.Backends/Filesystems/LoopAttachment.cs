using Microsoft.Win32.SafeHandles;

namespace StorageFs.Backends.Filesystems;

/// <summary>
/// A loop device this daemon configured over a volume's descriptor, with autoclear: it stays
/// while this object holds it open (or something mounted on it lives) and detaches by itself
/// after, so a daemon that dies leaves no loop device behind.
/// </summary>
internal sealed class LoopAttachment(string path, SafeFileHandle device) : IDisposable
{
    /// <summary>The device node, <c>/dev/loopN</c>.</summary>
    public string Path { get; } = path;

    /// <summary>Closes the daemon's descriptor of the device.</summary>
    public void Dispose() => device.Dispose();
}
