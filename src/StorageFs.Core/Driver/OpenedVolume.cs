using StorageFs.Core.Backend;

namespace StorageFs.Core.Driver;

/// <summary>
/// A volume opened through <see cref="StorageDriver.OpenVolume"/>: its <see cref="Data"/> (the
/// backend's descriptor or stream, the only one opened) and the driver's lease on it, which keeps
/// wipe, resize and delete off the volume and the pool running until <see cref="Dispose"/>.
/// The lease holds no descriptor of its own. Taking the descriptor out of <see cref="Data"/>
/// leaves the lease here: dispose this after closing it.
/// </summary>
public sealed class OpenedVolume : IDisposable
{
    private readonly Func<ulong, VolumeInfo> _resize;
    private Action? _release;

    internal OpenedVolume(VolumeData data, VolumeAccessMode mode, Action release, Func<ulong, VolumeInfo> resize)
    {
        Data = data;
        Mode = mode;
        _release = release;
        _resize = resize;
    }

    /// <summary>The volume's bytes.</summary>
    public VolumeData Data { get; }

    /// <summary>What the volume was opened for.</summary>
    public VolumeAccessMode Mode { get; }

    /// <summary>The data as a stream whose disposal ends the lease too (an upload or download
    /// through the driver's API).</summary>
    public Stream AsStream() => new AfterCloseStream(Data.AsStream(), Dispose);

    /// <summary>
    /// Sets the volume's capacity to <paramref name="capacity"/> while this lease is held, up or
    /// down (the lease holder's own resize: a partition created to fill the largest free extent
    /// and cut to the bytes written into it when the file is closed). Refused while a driver
    /// change runs on the volume; other opens do not stop it, as a truncate on the host does not
    /// wait for other openers. Only for a <see cref="VolumeAccessMode.Write"/> lease.
    /// </summary>
    /// <exception cref="StorageException">The backend cannot resize, or the resize failed.</exception>
    public VolumeInfo Resize(ulong capacity) =>
        Mode == VolumeAccessMode.Write && Volatile.Read(ref _release) is not null
            ? _resize(capacity)
            : throw StorageErrors.OperationInvalid("volume lease is not open for writing");

    /// <summary>Closes what <see cref="Data"/> still owns, then ends the lease (once); after a
    /// write the driver re-reads the volume.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _release, null) is { } release)
        {
            try
            {
                Data.Dispose();
            }
            finally
            {
                release();
            }
        }
    }
}
