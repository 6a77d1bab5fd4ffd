namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;timestamps&gt;</c> of a volume target, output only (set by a refresh from stat);
/// a null field is not formatted.
/// </summary>
/// <remarks>
/// Every file volume has these, so they are stored compactly (<see cref="Packed"/>: seconds and
/// nanoseconds per field, where four nullable <see cref="VolumeTimestamp"/>s took 112 bytes),
/// and a <see cref="VolumeTarget"/> keeps the packed values inline rather than an object of this
/// class (a million volumes, 24 MB less): it hands out a new object at each read and takes the
/// values of one set.
/// </remarks>
public sealed class VolumeTimestamps
{
    private Packed _times = Packed.Unset;

    /// <summary>Last access.</summary>
    public VolumeTimestamp? Atime { get => _times.Atime; set => _times.Atime = value; }

    /// <summary>Last modification.</summary>
    public VolumeTimestamp? Mtime { get => _times.Mtime; set => _times.Mtime = value; }

    /// <summary>Last status change.</summary>
    public VolumeTimestamp? Ctime { get => _times.Ctime; set => _times.Ctime = value; }

    /// <summary>Birth time.</summary>
    public VolumeTimestamp? Btime { get => _times.Btime; set => _times.Btime = value; }

    internal static Packed Pack(VolumeTimestamps? timestamps) => timestamps?._times ?? Packed.Absent;

    internal static VolumeTimestamps? Unpack(in Packed times) => times.IsAbsent ? null : new VolumeTimestamps { _times = times };

    /// <summary>The four times as values: seconds and nanoseconds each, <c>int.MinValue</c>
    /// nanoseconds for "not set", and in the first field <c>int.MinValue + 1</c> for "no
    /// timestamps at all" (a target without them).</summary>
    internal struct Packed
    {
        private const int NotSet = int.MinValue, None = int.MinValue + 1;
        private long _aSec, _mSec, _cSec, _bSec;
        private int _aNsec, _mNsec, _cNsec, _bNsec;

        /// <summary>Timestamps with no field set.</summary>
        public static Packed Unset => new() { _aNsec = NotSet, _mNsec = NotSet, _cNsec = NotSet, _bNsec = NotSet };

        /// <summary>No timestamps.</summary>
        public static Packed Absent => new() { _aNsec = None, _mNsec = NotSet, _cNsec = NotSet, _bNsec = NotSet };

        public readonly bool IsAbsent => _aNsec == None;

        public VolumeTimestamp? Atime { readonly get => Get(_aSec, _aNsec); set => Set(value, out _aSec, out _aNsec); }

        public VolumeTimestamp? Mtime { readonly get => Get(_mSec, _mNsec); set => Set(value, out _mSec, out _mNsec); }

        public VolumeTimestamp? Ctime { readonly get => Get(_cSec, _cNsec); set => Set(value, out _cSec, out _cNsec); }

        public VolumeTimestamp? Btime { readonly get => Get(_bSec, _bNsec); set => Set(value, out _bSec, out _bNsec); }

        private static VolumeTimestamp? Get(long sec, int nsec) => nsec is NotSet or None ? null : new VolumeTimestamp(sec, nsec);

        private static void Set(VolumeTimestamp? value, out long sec, out int nsec)
        {
            // Nanoseconds of a stat are below 10^9 (a negative count, never formatted, stays negative).
            sec = value?.Seconds ?? 0;
            nsec = value is { } v ? (int)Math.Clamp(v.Nanoseconds, None + 1, int.MaxValue) : NotSet;
        }
    }
}
