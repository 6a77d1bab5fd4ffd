using Microsoft.Win32.SafeHandles;

namespace StorageFs.Core.Driver;

/// <summary>
/// A volume stored as a directory, opened through <see cref="StorageDriver.OpenVolumeDirectory"/>:
/// the backend's O_PATH descriptor of that directory (every file below it is reached relative to
/// it) and a read lease on the volume, as an open of a file volume takes: wipe, resize and
/// delete refuse and the pool cannot stop until <see cref="Dispose"/>.
/// </summary>
public sealed class OpenedVolumeDirectory : IDisposable
{
    private Action? _release;

    internal OpenedVolumeDirectory(SafeFileHandle directory, Action release)
    {
        Directory = directory;
        _release = release;
    }

    /// <summary>The volume's directory (O_PATH | O_DIRECTORY), owned by this instance.</summary>
    public SafeFileHandle Directory { get; }

    /// <summary>Closes the descriptor, then ends the lease (once).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _release, null) is { } release)
        {
            try
            {
                Directory.Dispose();
            }
            finally
            {
                release();
            }
        }
    }
}
