namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;timestamps&gt;</c> of a volume target, output only (set by a refresh from stat);
/// a null field is not formatted.
/// </summary>
/// <remarks>
/// Every file volume holds one, so it is stored compactly: seconds and nanoseconds per field,
/// <see cref="int.MinValue"/> nanoseconds for "not set" (64 bytes, where four nullable
/// <see cref="VolumeTimestamp"/>s took 112: a million volumes, 46 MiB less).
/// </remarks>
public sealed class VolumeTimestamps
{
    private long _aSec, _mSec, _cSec, _bSec;
    private const int Unset = int.MinValue;
    private int _aNsec = Unset, _mNsec = Unset, _cNsec = Unset, _bNsec = Unset;

    /// <summary>Last access.</summary>
    public VolumeTimestamp? Atime { get => Get(_aSec, _aNsec); set => Set(value, out _aSec, out _aNsec); }

    /// <summary>Last modification.</summary>
    public VolumeTimestamp? Mtime { get => Get(_mSec, _mNsec); set => Set(value, out _mSec, out _mNsec); }

    /// <summary>Last status change.</summary>
    public VolumeTimestamp? Ctime { get => Get(_cSec, _cNsec); set => Set(value, out _cSec, out _cNsec); }

    /// <summary>Birth time.</summary>
    public VolumeTimestamp? Btime { get => Get(_bSec, _bNsec); set => Set(value, out _bSec, out _bNsec); }

    private static VolumeTimestamp? Get(long sec, int nsec) => nsec == Unset ? null : new VolumeTimestamp(sec, nsec);

    private static void Set(VolumeTimestamp? value, out long sec, out int nsec)
    {
        // Nanoseconds of a stat are below 10^9 (a negative count, never formatted, stays negative).
        sec = value?.Seconds ?? 0;
        nsec = value is { } v ? (int)Math.Clamp(v.Nanoseconds, Unset + 1, int.MaxValue) : Unset;
    }
}
